#include "http/fetch.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>

#include "common/strings.h"

namespace rampart::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

Error Failed(std::string message) { return {"FetchFailed", std::move(message), 502, true}; }

struct Url {
  std::string host, port, target;
  bool ip = false;
};

Result<Url> ParseUrl(std::string_view url) {
  if (!StartsWith(url, "https://")) return Failed("only https URLs are fetched: " + std::string(url));
  std::string_view rest = url.substr(8);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Url u;
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target.find_first_of(" \r\n") != std::string::npos) return Failed("bad URL path");
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return Failed("bad URL authority: " + std::string(url));
  }
  if (authority.front() == '[') {  // [v6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Failed("bad IPv6 URL host");
    u.host = std::string(authority.substr(1, close - 1));
    u.ip = true;
    std::string_view tail = authority.substr(close + 1);
    u.port = StartsWith(tail, ":") ? std::string(tail.substr(1)) : "443";
  } else {
    size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    u.port = colon == std::string_view::npos ? "443" : std::string(authority.substr(colon + 1));
    boost::system::error_code ec;
    asio::ip::make_address(u.host, ec);
    u.ip = !ec;
  }
  if (u.host.empty() || u.port.empty() ||
      u.port.find_first_not_of("0123456789") != std::string::npos) {
    return Failed("bad URL host or port: " + std::string(url));
  }
  return u;
}

std::string Sha1Hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha1(), md, &len) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

// Trust decision for the chain the server presented (see the header).
Status CheckChain(SSL* ssl, const Url& u, const std::vector<std::string>& thumbprints) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);  // client side: includes the leaf
  if (!leaf || !chain) return Failed("the server presented no certificate");
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  bool matched = false;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* c = sk_X509_value(chain, i);
    std::string fp = Sha1Hex(c);
    for (const std::string& t : thumbprints) {
      if (!fp.empty() && ToLower(t) == fp) {
        X509_STORE_add_cert(store.get(), c);
        matched = true;
      }
    }
  }
  if (!matched) {
    return Error{"ThumbprintMismatch",
                 "no certificate presented by " + u.host + " matches a configured thumbprint", 400,
                 true};
  }
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                       X509_STORE_CTX_free);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain) != 1) {
    return Failed("cannot set up certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (u.ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, u.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, u.host.c_str(), u.host.size());
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    return Error{"ThumbprintMismatch",
                 std::string("the certificate chain of ") + u.host +
                     " does not verify up to a thumbprinted certificate: " +
                     X509_verify_cert_error_string(err),
                 400, true};
  }
  return {};
}

}  // namespace

Result<std::string> FetchHttps(std::string_view url, const FetchOptions& opts) {
  RAMPART_ASSIGN_OR_RETURN(Url u, ParseUrl(url));
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);  // trust is decided by CheckChain, below
  std::optional<Error> error;
  std::string body;
  asio::io_context ioc;  // declared last: destroyed (with any pending coroutine) first

  auto run = [&]() -> asio::awaitable<void> {
    boost::system::error_code ec;
    auto fail = [&](std::string what) {
      if (!error) error = Failed(what + (ec ? ": " + ec.message() : std::string()));
    };
    asio::ip::tcp::resolver resolver(ioc);
    auto endpoints =
        co_await resolver.async_resolve(u.host, u.port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("cannot resolve " + u.host);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
    if (!u.ip) SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str());
    co_await beast::get_lowest_layer(stream).async_connect(
        endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("cannot connect to " + u.host + ":" + u.port);
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("TLS handshake with " + u.host + " failed");
    if (Status st = CheckChain(stream.native_handle(), u, opts.sha1_thumbprints); !st.ok()) {
      error = st.error();
      co_return;
    }
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, u.target, 11};
    req.set(bhttp::field::host, u.port == "443" ? u.host : u.host + ":" + u.port);
    req.set(bhttp::field::user_agent, "rampart-sts");
    req.set(bhttp::field::accept, "application/json");
    req.set(bhttp::field::connection, "close");
    co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("cannot send the request to " + u.host);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(opts.max_body_bytes);
    parser.header_limit(16 * 1024);
    co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("cannot read the response of " + std::string(url));
    if (parser.get().result_int() != 200) {
      co_return fail("GET " + std::string(url) + " answered HTTP " +
                     std::to_string(parser.get().result_int()));
    }
    body = std::move(parser.get().body());
    beast::get_lowest_layer(stream).socket().close(ec);
  };

  asio::co_spawn(ioc, run(), [&](std::exception_ptr e) {
    if (e && !error) error = Failed("fetch aborted");
  });
  ioc.run_for(opts.timeout);
  if (!ioc.stopped()) {
    ioc.stop();
    return Failed("timed out fetching " + std::string(url));
  }
  if (error) return *error;
  return body;
}

}  // namespace rampart::http
