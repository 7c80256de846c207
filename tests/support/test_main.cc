#include <gtest/gtest.h>
#include <signal.h>

#include "protocol/secret.h"

int main(int argc, char** argv) {
  cw::init_crypto();
  // Tests write to sockets the daemon may close on purpose (caps, limits).
  ::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
