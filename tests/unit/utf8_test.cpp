#include "core/http/utf8.hpp"

#include <gtest/gtest.h>

using cc::core::isValidUtf8;
using cc::core::replaceInvalidUtf8;

TEST(Utf8, AcceptsWellFormedText) {
  for (const char* s : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
                        "\xED\x9F\xBF"}) {
    EXPECT_TRUE(isValidUtf8(s)) << s;
    EXPECT_EQ(replaceInvalidUtf8(s), s);
  }
}

TEST(Utf8, RefusesIllFormedSequences) {
  struct Case {
    std::string bytes, replaced;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"\xC0\xAF", "??"},               // overlong '/'
           {"\xE0\x80\xAF", "???"},          // overlong, 3 bytes
           {"\xED\xA0\x80", "???"},          // UTF-16 surrogate
           {"\xF4\x90\x80\x80", "????"},     // above U+10FFFF
           {"\xF5\x80\x80\x80", "????"},     // lead byte never valid
           {"a\xC3", "a?"},                  // truncated at the end
           {"\xC3(", "?("},                  // continuation missing
           {"\x80x", "?x"},                  // stray continuation
           {"ok\xFF\xFEok", "ok??ok"}}) {
    EXPECT_FALSE(isValidUtf8(c.bytes)) << c.replaced;
    EXPECT_EQ(replaceInvalidUtf8(c.bytes), c.replaced);
    EXPECT_TRUE(isValidUtf8(replaceInvalidUtf8(c.bytes)));
  }
}
