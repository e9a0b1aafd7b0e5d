#include "http/listener.h"

#include "http/request_rules.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

namespace rampart::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A canned AWS-style error for failures before a request could be parsed.
bhttp::response<bhttp::string_body> TransportError(unsigned status, std::string_view code,
                                                    std::string_view message) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "text/xml");
  res.set(bhttp::field::server, "Rampart");
  res.body() = "<ErrorResponse><Error><Type>Sender</Type><Code>" + std::string(code) +
               "</Code><Message>" + std::string(message) + "</Message></Error></ErrorResponse>";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}
}  // namespace

struct Listener::Impl {
  ListenerOptions opts;
  Handler handler;
  ListenerStats stats;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::optional<ssl::context> tls;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> active_requests{0};
  size_t next_context = 0;

  void DoAccept();
};

namespace {

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Listener::Impl* impl, std::string remote_ip)
      : stream_(std::move(stream)), impl_(impl), remote_ip_(std::move(remote_ip)) {
    impl_->stats.open_connections.fetch_add(1, std::memory_order_relaxed);
    // Beast reads max(512, free capacity) bytes at a time and never grows a buffer whose
    // contents the parser consumes as they arrive, so a 512-byte buffer stays 512 bytes: a
    // 1.8 KB KMS request took four recvmsg calls. Start with room for a typical request.
    buffer_.reserve(kInitialReadBuffer);
  }
  ~Session() { impl_->stats.open_connections.fetch_sub(1, std::memory_order_relaxed); }

  void Run() {
    if constexpr (kTls) {
      Layer().expires_after(std::chrono::seconds(impl_->opts.request_timeout_seconds));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  static constexpr size_t kInitialReadBuffer = 4096;
  static constexpr size_t kMaxReadBuffer = 65536;

  beast::tcp_stream& Layer() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    if (impl_->stopping.load()) return Close();
    // A buffer grown for a large body goes back to the initial size between requests, so an
    // idle keep-alive connection holds 4 KiB, not up to 64 KiB.
    if (buffer_.size() == 0 && buffer_.capacity() > kInitialReadBuffer) {
      buffer_.shrink_to_fit();
      buffer_.reserve(kInitialReadBuffer);
    }
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(impl_->opts.max_header_bytes));
    parser_->body_limit(impl_->opts.max_body_bytes);
    parser_->on_chunk_header(chunk_limit_);
    int timeout = requests_served_ == 0 ? impl_->opts.request_timeout_seconds
                                        : impl_->opts.idle_timeout_seconds;
    Layer().expires_after(std::chrono::seconds(timeout));
    ContinueHeader();
  }

  // Reads until the parser has the request head. (Beast's async_read_header does the same,
  // but the raw head must be seen before the parser consumes it: the parser unfolds obs-fold
  // silently, and RFC 9112 lets a server refuse it instead.)
  void ContinueHeader() {
    if (buffer_.size() > 0) {
      std::string_view avail(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      if (size_t end = avail.find("\r\n\r\n"); end != std::string_view::npos &&
                                                   HasObsFold(avail.substr(0, end + 2))) {
        return Refuse({400, "MalformedHTTPRequest",
                       "Obsolete line folding (a field continued on a line starting with a "
                       "space or tab) is not accepted"});
      }
      beast::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (!ec && parser_->is_header_done()) return OnHeader({});
      if (ec && ec != bhttp::error::need_more) return OnHeader(ec);
    }
    stream_.async_read_some(
        buffer_.prepare(beast::read_size(buffer_, 65536)),
        [self = this->shared_from_this()](beast::error_code ec, size_t n) {
          self->buffer_.commit(n);
          if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
            // Nothing at all of a new request is a clean close; part of one is not.
            return self->OnHeader(self->parser_->got_some() || self->buffer_.size() > 0
                                      ? beast::error_code(bhttp::error::partial_message)
                                      : beast::error_code(bhttp::error::end_of_stream));
          }
          if (ec) return self->OnHeader(ec);
          self->ContinueHeader();
        });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (auto refused = CheckHead()) return Refuse(*refused);
    started_ns_ = NowNs();
    impl_->active_requests.fetch_add(1);
    in_request_ = true;
    Layer().expires_after(std::chrono::seconds(impl_->opts.request_timeout_seconds));
    auto& req = parser_->get();
    // Room for the whole body in one read where it is larger than the buffer (up to 64 KiB,
    // Beast's largest single read).
    if (auto len = parser_->content_length(); len && *len > buffer_.capacity() - buffer_.size()) {
      buffer_.reserve(std::min<size_t>(buffer_.size() + *len, kMaxReadBuffer));
    }
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                         req.version());
      bhttp::async_write(stream_, *cont,
                         [self = this->shared_from_this(), cont](beast::error_code wec, size_t) {
                           if (wec) return self->Finish(true);
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->Handle();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset) {
      return Finish(true);
    }
    if (ec == bhttp::error::body_limit) {
      return WriteCanned(TransportError(413, "RequestEntityTooLarge",
                                        "The request body exceeds the maximum allowed size"));
    }
    if (ec == bhttp::error::header_limit) {
      return WriteCanned(TransportError(431, "RequestHeaderSectionTooLarge",
                                        "The request header section exceeds the maximum size"));
    }
    if (ec.category() == beast::error_code(bhttp::error::bad_target).category() ||
        ec == bhttp::error::partial_message) {
      return WriteCanned(TransportError(400, "MalformedHTTPRequest",
                                        "The request is not a valid HTTP/1.1 message"));
    }
    Finish(true);
  }

  // RFC 9110/9112 refusals of the request head (request_rules.h).
  std::optional<Refusal> CheckHead() {
    const auto& h = parser_->get();
    if (auto r = CheckMethod(h.method_string())) return r;
    thread_local Fields fields;  // reused: no allocation per request
    fields.clear();
    for (const auto& f : h) fields.emplace_back(f.name_string(), f.value());
    return CheckFields(h.version(), fields);
  }

  // Answers a refused request and closes the connection: what follows it cannot be trusted
  // to start where the parser would think.
  void Refuse(const Refusal& r) {
    auto res = TransportError(static_cast<unsigned>(r.status), r.code, r.message);
    if (r.allow_header) res.set(bhttp::field::allow, kAllowedMethods);
    WriteCanned(std::move(res));
  }

  void Handle() {
    auto& breq = parser_->get();
    Request req;
    req.method = std::string(breq.method_string());
    req.target = std::string(breq.target());
    req.headers.reserve(16);
    for (const auto& f : breq) {
      req.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    }
    req.body = std::move(breq.body());
    req.remote_ip = remote_ip_;
    req.tls = kTls;
    if constexpr (kTls) {
      SSL* ssl = stream_.native_handle();
      req.tls_version = SSL_get_version(ssl);
      if (const char* c = SSL_get_cipher_name(ssl)) req.tls_cipher = c;
    }
    req.received_ns = started_ns_;
    unsigned version = breq.version();
    bool keep_alive = breq.keep_alive();
    bool head = breq.method() == bhttp::verb::head;
    handling_ = true;
    impl_->handler(req, [self = this->shared_from_this(), version, keep_alive, head,
                         thread = std::this_thread::get_id()](Response out) {
      // Usually called on this connection's own thread before the handler returns: then Respond
      // runs right here (no type-erased executor copies, ~3 % of a call's CPU). From another
      // thread, or later, it is queued on the connection's executor.
      if (std::this_thread::get_id() == thread && self->handling_) {  // same thread: no race
        return self->Respond(std::move(out), version, keep_alive, head);
      }
      auto exec = self->stream_.get_executor();
      net::dispatch(exec, [self, version, keep_alive, head, out = std::move(out)]() mutable {
        self->Respond(std::move(out), version, keep_alive, head);
      });
    });
    handling_ = false;
  }

  // Status line, headers and body go into one buffer and one write: Beast's response
  // serializer cost ~16 % of a small call's instructions (docs/PERFORMANCE.md, fix D).
  void Respond(Response out, unsigned version, bool keep_alive, bool head) {
    bool keep = keep_alive && !impl_->stopping.load();
    auto wire = std::make_shared<std::string>();
    std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(out.status));
    size_t need = 64 + reason.size() + out.body.size();
    for (const auto& h : out.headers) need += h.name.size() + h.value.size() + 4;
    wire->reserve(need);
    wire->append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    wire->append(std::to_string(out.status));
    wire->push_back(' ');
    wire->append(reason);
    wire->append("\r\nServer: Rampart\r\n");
    // The length is the body's, except for HEAD, where a handler names the length GET would
    // send (S3's HeadObject): then its Content-Length stands.
    std::shared_ptr<BodySource> stream = std::move(out.stream);
    std::string length = std::to_string(stream ? stream->size() : out.body.size());
    for (const auto& h : out.headers) {
      if (!SafeHeader(h.name) || !SafeHeader(h.value)) continue;
      if (beast::iequals(h.name, "content-length")) {
        if (head && !stream && !h.value.empty() &&
            h.value.find_first_not_of("0123456789") == std::string::npos) {
          length = h.value;
        }
        continue;
      }
      wire->append(h.name).append(": ").append(h.value).append("\r\n");
    }
    // RFC 9110: no Content-Length on 1xx, 204 and 304.
    bool bodiless = out.status < 200 || out.status == 204 || out.status == 304;
    if (!bodiless) wire->append("Content-Length: ").append(length).append("\r\n");
    if (version == 10 && keep) wire->append("Connection: keep-alive\r\n");
    if (version != 10 && !keep) wire->append("Connection: close\r\n");
    wire->append("\r\n");
    if (!bodiless && !head) wire->append(out.body);  // HEAD: the length of what GET would send
    ++requests_served_;
    // The answer gets its own time to leave, at a minimum rate of 1 MiB/s on top of the request
    // timeout: the request's clock (started at its head) must not cut a large body mid-write
    // under a 200 status line, and a client that stops reading is still bounded.
    Layer().expires_after(std::chrono::seconds(impl_->opts.request_timeout_seconds) +
                          std::chrono::seconds(wire->size() >> 20));
    if (stream && !head && !bodiless) {
      net::async_write(stream_, net::buffer(*wire),
                       [self = this->shared_from_this(), wire, stream, keep](beast::error_code ec,
                                                                            size_t) {
                         if (ec) return self->Finish(true);
                         self->Pump(std::move(stream), 0, keep);
                       });
      return;
    }
    net::async_write(stream_, net::buffer(*wire),
                     [self = this->shared_from_this(), wire, keep](beast::error_code ec, size_t) {
                       self->Finish(ec || !keep);
                       if (!ec && keep) self->ReadHeader();
                     });
  }

  // Writes a streamed body piece by piece, each with its own write time. A source that fails
  // or ends short of its size closes the connection: the client sees a short body, never a
  // complete-looking wrong one.
  void Pump(std::shared_ptr<BodySource> src, uint64_t sent, bool keep) {
    auto piece = src->Next();
    if (!piece.ok() || (piece->empty() && sent != src->size())) return Finish(true);
    if (piece->empty()) {
      Finish(!keep);
      if (keep) ReadHeader();
      return;
    }
    sent += piece->size();
    if (sent > src->size()) return Finish(true);
    auto buf = std::make_shared<std::string>(std::move(*piece));
    Layer().expires_after(std::chrono::seconds(impl_->opts.request_timeout_seconds) +
                          std::chrono::seconds(buf->size() >> 20));
    net::async_write(stream_, net::buffer(*buf),
                     [self = this->shared_from_this(), buf, src, sent, keep](
                         beast::error_code ec, size_t) {
                       if (ec) return self->Finish(true);
                       self->Pump(src, sent, keep);
                     });
  }

  // A header name or value with CR or LF would split the response; such a header is dropped.
  static bool SafeHeader(std::string_view s) {
    return s.find_first_of("\r\n") == std::string_view::npos;
  }

  void WriteCanned(bhttp::response<bhttp::string_body> canned) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(std::move(canned));
    bool keep = res->keep_alive();
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res, keep](beast::error_code ec, size_t) {
                         self->Finish(ec || !keep);
                         if (!ec && keep) self->ReadHeader();
                       });
  }

  void Finish(bool close) {
    if (in_request_) {
      impl_->active_requests.fetch_sub(1);
      in_request_ = false;
    }
    if (close) Close();
  }

  void Close() {
    beast::error_code ec;
    if constexpr (kTls) {
      Layer().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->Layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    } else {
      Layer().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  Listener::Impl* impl_;
  std::string remote_ip_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  // Bounds each chunk's extensions (RFC 9112 7.1.1); the parser keeps a reference to it.
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)> chunk_limit_ =
      [](std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
        if (extensions.size() > kMaxChunkExtensionBytes) ec = bhttp::error::bad_chunk_extension;
      };
  int64_t started_ns_ = 0;
  int64_t requests_served_ = 0;
  bool in_request_ = false;
  bool handling_ = false;  // inside impl_->handler, on this connection's thread
};

}  // namespace

void Listener::Impl::DoAccept() {
  auto& ctx = *contexts[next_context];
  next_context = (next_context + 1) % contexts.size();
  acceptor->async_accept(ctx, [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopping.load()) return;
      return DoAccept();
    }
    stats.accepted_total.fetch_add(1, std::memory_order_relaxed);
    if (static_cast<size_t>(stats.open_connections.load()) >= opts.max_connections) {
      stats.rejected_total.fetch_add(1, std::memory_order_relaxed);
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/xml\r\nConnection: close\r\n"
          "Content-Length: 124\r\n\r\n<ErrorResponse><Error><Type>Receiver</Type><Code>"
          "ServiceUnavailable</Code><Message>Too many connections</Message></Error></ErrorRe"
          "sponse>";
      // Answer 503, stop sending, and drain what the client already sent for a moment so the
      // close does not turn into a reset that discards our answer.
      auto sock = std::make_shared<tcp::socket>(std::move(socket));
      auto timer = std::make_shared<net::steady_timer>(sock->get_executor());
      auto sink = std::make_shared<std::array<char, 4096>>();
      beast::error_code ignored;
      net::write(*sock, net::buffer(kBusy.data(), kBusy.size()), ignored);
      sock->shutdown(tcp::socket::shutdown_send, ignored);
      timer->expires_after(std::chrono::seconds(1));
      timer->async_wait([sock, timer](beast::error_code) {
        beast::error_code e;
        sock->close(e);
      });
      auto drain = std::make_shared<std::function<void()>>();
      *drain = [sock, sink, timer, drain]() {
        sock->async_read_some(net::buffer(*sink), [sock, sink, timer, drain](beast::error_code e,
                                                                              size_t) {
          if (e) {
            timer->cancel();
            *drain = nullptr;  // break the self-reference
            return;
          }
          (*drain)();
        });
      };
      (*drain)();
      return DoAccept();
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string ip = socket.remote_endpoint(ignored).address().to_string();
    if (tls) {
      auto s = std::make_shared<Session<ssl::stream<beast::tcp_stream>>>(
          ssl::stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls), this,
          std::move(ip));
      s->Run();
    } else {
      auto s = std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                            this, std::move(ip));
      s->Run();
    }
    DoAccept();
  });
}

Listener::Listener(ListenerOptions opts, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->opts = std::move(opts);
  impl_->handler = std::move(handler);
}

Listener::~Listener() { Stop(0); }

const ListenerStats& Listener::stats() const { return impl_->stats; }

Result<uint16_t> Listener::Bind() {
  if (impl_->acceptor) return impl_->acceptor->local_endpoint().port();
  auto& o = impl_->opts;
  int n = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    impl_->tls.emplace(ssl::context::tls_server);
    beast::error_code ec;
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(o.tls_cert_file, ec);
    if (!ec) impl_->tls->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
    if (ec) return Error::Internal("cannot load TLS certificate/key: " + ec.message());
  }
  for (int i = 0; i < n; ++i) {
    impl_->contexts.push_back(std::make_unique<net::io_context>(1));
    impl_->guards.push_back(net::make_work_guard(*impl_->contexts.back()));
  }
  beast::error_code ec;
  auto addr = net::ip::make_address(o.host, ec);
  if (ec) return Error::Internal("invalid listen address '" + o.host + "'");
  tcp::endpoint ep(addr, o.port);
  auto acceptor = std::make_unique<tcp::acceptor>(*impl_->contexts[0]);
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error::Internal("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                 ": " + ec.message());
  impl_->acceptor = std::move(acceptor);
  return impl_->acceptor->local_endpoint().port();
}

Result<uint16_t> Listener::Start() {
  RAMPART_ASSIGN_OR_RETURN(uint16_t port, Bind());
  impl_->DoAccept();
  for (auto& ctx : impl_->contexts) {
    impl_->threads.emplace_back([c = ctx.get()] { c->run(); });
  }
  return port;
}

void Listener::Stop(int drain_seconds) {
  if (!impl_ || impl_->threads.empty()) return;
  impl_->stopping.store(true);
  net::post(*impl_->contexts[0], [a = impl_->acceptor.get()] {
    beast::error_code ec;
    a->close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(drain_seconds);
  while (impl_->active_requests.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& g : impl_->guards) g.reset();
  for (auto& ctx : impl_->contexts) ctx->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace rampart::http
