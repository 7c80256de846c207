#include "client/messages.h"

#include <gtest/gtest.h>

namespace cw::client {
namespace {

TEST(Messages, ContactsReadTheirOwnLanguage) {
  set_language("ko");
  EXPECT_EQ(language(), "ko");
  EXPECT_EQ(tr("delivered"), "전달됨");
  EXPECT_EQ(trf("Please type a number from {1} to {2}.", {"1", "3"}),
            "1부터 3까지의 숫자를 입력하십시오.");
  set_language("zh");
  EXPECT_EQ(tr("How many people were arrested?"), "有多少人被捕？");
  set_language("fr");  // not offered: English
  EXPECT_EQ(language(), "en");
  EXPECT_EQ(tr("delivered"), "delivered");
  set_language("en");
}

TEST(Messages, TheLocaleChoosesWhenNoLanguageIsGiven) {
  ::setenv("LANGUAGE", "ko_KR.UTF-8", 1);
  set_language("");
  EXPECT_EQ(language(), "ko");
  ::setenv("LANGUAGE", "zh_CN:en", 1);
  set_language("");
  EXPECT_EQ(language(), "zh");
  ::unsetenv("LANGUAGE");
  set_language("en");
}

}  // namespace
}  // namespace cw::client
