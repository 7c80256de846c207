#include <gtest/gtest.h>

#include "protocol/secret.h"

int main(int argc, char** argv) {
  cw::init_crypto();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
