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
    EXPECT_TRUE(isValidUtf8(cc::core::escapeInvalidUtf8(c.bytes)));
  }
  // Header values keep the bytes a client sent, as text.
  EXPECT_EQ(cc::core::escapeInvalidUtf8("ok\xFF\xFEok"), "ok\\xff\\xfeok");
  EXPECT_EQ(cc::core::escapeInvalidUtf8("caf\xC3\xA9 \xC0\xAF"), "caf\xC3\xA9 \\xc0\\xaf");
  EXPECT_EQ(cc::core::escapeInvalidUtf8("a\tb"), "a\tb");
}

// The SDK's helpers for text that is stored or logged (codecouncil/sdk/text.hpp).
#include <codecouncil/sdk/text.hpp>

TEST(Utf8, EscapeControlsGivesOnePrintableLine) {
  struct Case {
    std::string in, out;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"plain text, caf\xC3\xA9 \\ ok", "plain text, caf\xC3\xA9 \\ ok"},  // unchanged, backslash too
           {"GET /a\r\nforged", "GET /a\\r\\nforged"},
           {"\x1b[31mred\t\x7f", "\\x1b[31mred\\t\\x7f"},
           {std::string("nul\0end", 7), "nul\\x00end"},
           {"curl\xFF\xFE", "curl\\xff\\xfe"},
           {"\xC0\xAF", "\\xc0\\xaf"},
           {"csi\xC2\x9B" "2J nbsp\xC2\xA0", "csi\\u009b2J nbsp\xC2\xA0"}}) {
    EXPECT_EQ(cc::text::escapeControls(c.in), c.out);
    EXPECT_EQ(cc::text::needsEscaping(c.in), c.in != c.out);
    EXPECT_TRUE(isValidUtf8(cc::text::escapeControls(c.in)));
    EXPECT_EQ(cc::text::escapeControls(cc::text::escapeControls(c.in)), c.out) << "escaping twice changes nothing";
  }
}

TEST(Utf8, WithValidUtf8RepairsACopyAndLeavesTheOriginal) {
  auto inner = cc::json::object();
  inner->set("k\xFF", "v\xC0\xAF");
  auto list = cc::json::array();
  list->add(std::string("a\xFE"));
  list->add(7);
  auto o = cc::json::object();
  o->set("inner", inner);
  o->set("list", list);
  o->set("fine", "ok");
  auto repaired = cc::text::withValidUtf8(o);
  EXPECT_NE(repaired.get(), o.get());
  EXPECT_EQ(cc::json::stringify(repaired),
            "{\"fine\":\"ok\",\"inner\":{\"k\xEF\xBF\xBD\":\"v\xEF\xBF\xBD\xEF\xBF\xBD\"},\"list\":[\"a\xEF\xBF\xBD\",7]}");
  EXPECT_EQ(o->getObject("inner")->has("k\xFF"), true) << "the original is not modified";
  auto clean = cc::json::object();
  clean->set("a", "b");
  EXPECT_EQ(cc::text::withValidUtf8(clean).get(), clean.get()) << "valid objects are not copied";
}
