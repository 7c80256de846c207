// What a contact reads, in their language: English, Korean or Chinese
// (simplified). The words live in gettext catalogues a translator edits
// (po/ko.po, po/zh_CN.po; the English text is the message id), compiled to
// .mo files and read with Boost.Locale - not strings scattered in code.
// tests/i18n/check_catalogues.sh fails the build's tests if a message the
// code can show is missing from a catalogue.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace cw::client {

// "en", "ko" or "zh"; empty = from LANGUAGE, LC_ALL, LC_MESSAGES or LANG.
// Unknown languages fall back to English.
void set_language(std::string_view lang);
std::string_view language();

// The message in the chosen language (the English text if untranslated).
std::string tr(const char* english);
// The same with {1}, {2}, ... replaced by `args` (order may differ by language).
std::string trf(const char* english, std::initializer_list<std::string> args);

}  // namespace cw::client
