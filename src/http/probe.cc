#include "http/probe.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace rampart::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

template <class Stream>
Result<ProbeResult> Exchange(Stream& stream, const std::string& host, const std::string& path) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, path, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "rampart-health");
  beast::error_code ec;
  bhttp::write(stream, req, ec);
  if (ec) return Error::Unavailable("cannot send the request: " + ec.message());
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res, ec);
  if (ec) return Error::Unavailable("no response: " + ec.message());
  return ProbeResult{static_cast<int>(res.result_int()), std::move(res.body())};
}

}  // namespace

Result<ProbeResult> Probe(const std::string& host, uint16_t port, const std::string& path,
                          bool tls, std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return Error::Unavailable("cannot resolve " + host + ": " + ec.message());
  beast::tcp_stream tcp(io);
  tcp.expires_after(timeout);
  tcp.connect(endpoints, ec);
  if (ec) {
    return Error::Unavailable("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                              ec.message());
  }
  if (!tls) return Exchange(tcp, host, path);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), ctx);
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return Error::Unavailable("TLS handshake failed: " + ec.message());
  return Exchange(stream, host, path);
}

}  // namespace rampart::http
