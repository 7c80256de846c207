// The two things casewired exchanges with systemd, both optional: nothing
// happens outside a systemd service (deploy/systemd/casewired.service).
//
// Written here rather than linking libsystemd: each is a few lines over a
// protocol systemd documents as stable and meant to be reimplemented
// (sd_notify(3), "Notification socket"; systemd.exec(5), "Credentials"),
// and a hardened daemon is better off without another shared library.
#pragma once

#include <string>
#include <string_view>

namespace cw::daemon {

// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", ...) as one
// datagram to the socket named by $NOTIFY_SOCKET (a path, or "@name" for an
// abstract socket). A no-op when the variable is unset; failures are ignored
// (systemd then times the service out, which is the signal an operator sees).
void notify_service_manager(std::string_view state);

// The path of credential `name` passed by LoadCredential= (under
// $CREDENTIALS_DIRECTORY), or "" when there is no such credential.
std::string service_credential(std::string_view name);

}  // namespace cw::daemon
