// Running an io_context so that no exception crosses the event loop.
//
// Handlers report failures as error codes; an exception escaping one is a bug
// (an allocation failure, a library that throws where we did not expect it).
// It must not take the daemon down with SIGABRT while contacts are sending:
// run_event_loop() logs it by category (never its text, which could carry a
// value), counts it in casewire_internal_errors_total, and resumes the loop -
// which Asio allows after a handler threw.
#pragma once

#include <boost/asio/io_context.hpp>

#include "daemon/metrics.h"

namespace cw::daemon {

// Returns when `ioc` is stopped or runs out of work. Never throws.
void run_event_loop(boost::asio::io_context& ioc, Metrics& metrics) noexcept;

}  // namespace cw::daemon
