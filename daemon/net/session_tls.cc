#include "daemon/net/session_impl.h"

namespace cw::daemon {

void start_tls_session(tcp::socket&& socket, ssl::context& tls,
                       std::shared_ptr<Server::State> state, std::shared_ptr<Handler> handler,
                       std::shared_ptr<ListenerStats> stats) {
  using S = detail::Session<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
  std::make_shared<S>(std::move(socket), &tls, std::move(state), std::move(handler),
                      std::move(stats))
      ->run();
}

}  // namespace cw::daemon
