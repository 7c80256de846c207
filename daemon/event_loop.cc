#include "daemon/event_loop.h"

#include <exception>
#include <new>

#include "daemon/log.h"

namespace cw::daemon {

void run_event_loop(boost::asio::io_context& ioc, Metrics& metrics) noexcept {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::bad_alloc&) {
      metrics.internal_errors.fetch_add(1);
      log_event("handler_exception", {LogField::text("kind", "bad_alloc")});
    } catch (...) {
      metrics.internal_errors.fetch_add(1);
      log_event("handler_exception", {LogField::text("kind", "exception")});
    }
  }
}

}  // namespace cw::daemon
