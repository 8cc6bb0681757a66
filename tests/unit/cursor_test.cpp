// The SDK's opaque page cursor (sdk/include/codecouncil/sdk/cursor.hpp): every cursor it makes
// decodes to what went in, and nothing it did not make decodes at all, whatever the bytes.
// The routes that use it are tested against the real host in their plugins.
#include <codecouncil/sdk/cursor.hpp>

#include <gtest/gtest.h>

#include <random>

namespace {

using cc::CursorField;
using cc::CursorValue;
using cc::OpaqueCursor;

const OpaqueCursor kTimeline({"t1", {CursorField::Text, CursorField::Text, CursorField::Number}});
const OpaqueCursor kPadded({"c1", {CursorField::Number}, ':', 18, 28});

/// base64url of `raw` ("version|field|..."), made by a format whose fields are all text: any
/// clean line a client could send. The first test pins encode() to an independent encoding.
std::string anyLine(const std::string& raw) {
  std::vector<std::string> parts(1);
  for (char c : raw) {
    if (c == '|') parts.emplace_back();
    else parts.back() += c;
  }
  std::vector<CursorField> kinds(parts.size() - 1, CursorField::Text);
  std::vector<CursorValue> values(parts.begin() + 1, parts.end());
  return OpaqueCursor({parts[0], kinds}).encode(values);
}

TEST(OpaqueCursor, RoundTripsAndKeepsTheTextFormatsPluginsAlreadyHandedOut) {
  std::vector<CursorValue> key = {std::string("2025-01-15T10:00:00.000Z"), std::string("audit"), std::int64_t{42}};
  std::string cursor = kTimeline.encode(key, "user-1");
  // base64url of "t1|user-1|2025-01-15T10:00:00.000Z|audit|42", as admin's timeline made it.
  EXPECT_EQ(cursor, "dDF8dXNlci0xfDIwMjUtMDEtMTVUMTA6MDA6MDAuMDAwWnxhdWRpdHw0Mg");
  EXPECT_EQ(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  auto back = kTimeline.decode(cursor, "user-1");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, key);

  // Zero-padded numbers: the 28 characters of "c1:" and 18 digits, no '=' to percent-encode.
  std::string padded = kPadded.encode({std::int64_t{5}});
  EXPECT_EQ(padded, "YzE6MDAwMDAwMDAwMDAwMDAwMDA1");
  EXPECT_EQ(std::get<std::int64_t>(kPadded.decode(padded)->front()), 5);
  EXPECT_EQ(kPadded.encode({OpaqueCursor::kMaxNumber}).size(), 28u);
}

TEST(OpaqueCursor, RefusesWhatItDidNotMake) {
  const std::string good = "t1|user-1|2025-01-15T10:00:00.000Z|audit|42";
  ASSERT_TRUE(kTimeline.decode(anyLine(good), "user-1"));
  for (const std::string& raw : {
           std::string("t2|user-1|2025-01-15T10:00:00.000Z|audit|42"),   // another version
           std::string("t1|user-1|2025-01-15T10:00:00.000Z|audit"),      // a field missing
           std::string("t1|user-1|2025-01-15T10:00:00.000Z|audit|42|7"), // a field more
           std::string("t1|user-1|2025-01-15T10:00:00.000Z|audit|-42"),  // a sign
           std::string("t1|user-1|2025-01-15T10:00:00.000Z|audit|042"),  // a second spelling of 42
           std::string("t1|user-1|2025-01-15T10:00:00.000Z|audit|4x"),   // not a number
           std::string("t1|user-1|2025-01-15T10:00:00.000Z|audit|"),     // an empty number
           std::string("t1|user-1|2025-01-15T10:00:00.000Z|audit|1000000000000000000"),  // 19 digits
       }) {
    EXPECT_FALSE(kTimeline.decode(anyLine(raw), "user-1")) << raw;
  }
  // Bytes encode() never writes: "t1|user-1|2025-01-15<byte>|audit|42" with a control
  // character, and with a byte that is not UTF-8.
  EXPECT_FALSE(kTimeline.decode("dDF8dXNlci0xfDIwMjUtMDEtMTUBVDEwfGF1ZGl0fDQy", "user-1"));
  EXPECT_FALSE(kTimeline.decode("dDF8dXNlci0xfDIwMjUtMDEtMTX_fGF1ZGl0fDQy", "user-1"));
  // Another scope, no scope, and the scope where none was bound.
  EXPECT_FALSE(kTimeline.decode(anyLine(good), "user-2"));
  EXPECT_FALSE(kTimeline.decode(anyLine(good)));
  EXPECT_FALSE(kTimeline.decode(anyLine("t1|2025-01-15T10:00:00.000Z|audit|42"), "user-1"));
  // Not base64url: padding, the standard alphabet, an impossible length, empty, oversized.
  for (const std::string& text : {anyLine(good) + "=", std::string("YzE6+/"), std::string("abcde"), std::string(),
                                  std::string(513, 'A'), std::string("a b"), std::string("%41")})
    EXPECT_FALSE(kTimeline.decode(text, "user-1")) << text;
  // The same bytes with a spare bit set in the last character: not the text encode() makes.
  static const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const OpaqueCursor seventeen({"c1", {CursorField::Number}, ':', 17});
  std::string base = seventeen.encode({std::int64_t{5}});  // 20 bytes: the last character has 2 spare bits
  ASSERT_EQ(base.size(), 27u);
  ASSERT_TRUE(seventeen.decode(base));
  std::string spare = base;
  spare.back() = b64[b64.find(spare.back()) ^ 1];
  EXPECT_FALSE(seventeen.decode(spare)) << spare;
}

TEST(OpaqueCursor, DecodeOr400NamesAnotherScopeApart) {
  std::string cursor = kTimeline.encode({std::string("a"), std::string("b"), std::int64_t{1}}, "user-1");
  try {
    kTimeline.decodeOr400(cursor, "user-2", "cursor is not valid", "another user's timeline");
    ADD_FAILURE() << "no 400";
  } catch (const cc::HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_STREQ(e.what(), "cursor belongs to another user's timeline");
  }
  try {
    kTimeline.decodeOr400("garbage!", "user-1", "cursor is not valid", "another user's timeline");
    ADD_FAILURE() << "no 400";
  } catch (const cc::HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_STREQ(e.what(), "cursor is not valid");
  }
  EXPECT_EQ(kTimeline.decodeOr400(cursor, "user-1", "x").size(), 3u);
}

TEST(OpaqueCursor, EncodeRefusesValuesItCouldNotDecode) {
  EXPECT_THROW(kTimeline.encode({std::string("a"), std::string("b")}, "u"), std::invalid_argument);
  EXPECT_THROW(kTimeline.encode({std::string("a|b"), std::string("b"), std::int64_t{1}}, "u"), std::invalid_argument);
  EXPECT_THROW(kTimeline.encode({std::string("a"), std::string("b"), std::int64_t{-1}}, "u"), std::invalid_argument);
  EXPECT_THROW(kTimeline.encode({std::string("a"), std::int64_t{2}, std::int64_t{1}}, "u"), std::invalid_argument);
  EXPECT_THROW(kTimeline.encode({std::string("a"), std::string("b"), std::int64_t{1}}, "u\n"), std::invalid_argument);
  EXPECT_THROW(OpaqueCursor({"", {CursorField::Number}}), std::invalid_argument);
  EXPECT_THROW(OpaqueCursor({"v1", {CursorField::Number}, 'x'}), std::invalid_argument);
  EXPECT_THROW(OpaqueCursor({"v1", {}}), std::invalid_argument);
}

TEST(OpaqueCursor, RandomValuesRoundTripAndRandomBytesNeverDecodeOrThrow) {
  std::mt19937_64 random(20251205);
  auto randomText = [&](std::size_t maxLength) {
    static const std::string alphabet = "abcXYZ019-_.:@ \xC3\xA9";  // é as its two bytes, kept together below
    std::string s;
    std::size_t n = random() % (maxLength + 1);
    while (s.size() < n) {
      std::size_t i = random() % (alphabet.size() - 1);
      if (alphabet[i] == '\xC3') s += "\xC3\xA9";
      else if (alphabet[i] != '\xA9') s += alphabet[i];
    }
    return s;
  };
  for (int i = 0; i < 5000; ++i) {
    std::vector<CursorValue> key = {randomText(40), randomText(10),
                                    static_cast<std::int64_t>(random() % (OpaqueCursor::kMaxNumber + 1))};
    std::string scope = randomText(36);
    std::string cursor = kTimeline.encode(key, scope);
    auto back = kTimeline.decode(cursor, scope);
    ASSERT_TRUE(back) << cursor;
    EXPECT_EQ(*back, key);
  }
  // Random bytes, random base64url text and single-character mutations of a real cursor:
  // nothing throws, and nothing but the cursor itself decodes to its key.
  static const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string real = kTimeline.encode({std::string("2025-01-15T10:00:00.000Z"), std::string("audit"), std::int64_t{7}}, "u1");
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int kind = i % 3;
    if (kind == 0) {
      for (std::size_t n = random() % 80; n > 0; --n) text += static_cast<char>(random() % 256);
    } else if (kind == 1) {
      for (std::size_t n = random() % 80; n > 0; --n) text += b64[random() % b64.size()];
    } else {
      text = real;
      text[random() % text.size()] = b64[random() % b64.size()];
    }
    std::optional<std::vector<CursorValue>> got;
    EXPECT_NO_THROW(got = kTimeline.decode(text, "u1")) << text;
    if (got) {
      EXPECT_EQ(kTimeline.encode(*got, "u1"), text) << "decoded something it would not make";
    }
    EXPECT_NO_THROW((void)kPadded.decode(text));
  }
}

}  // namespace
