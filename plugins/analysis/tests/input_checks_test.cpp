// The request body of POST /api/gemini/analyze: every client mistake is a 4xx with a clear
// message, before anything is written.
#include "analysis_request.hpp"
#include "utf8_text.hpp"

#include <codecouncil/sdk/http_error.hpp>

#include <gtest/gtest.h>

using namespace cc::analysis;

namespace {

int statusOf(const std::string& body, const AnalysisConfig& config = {}) {
  try {
    parseAnalysisRequest(body, config);
    return 200;
  } catch (const cc::HttpError& e) {
    return e.status();
  }
}

std::string messageOf(const std::string& body, const AnalysisConfig& config = {}) {
  try {
    parseAnalysisRequest(body, config);
    return "";
  } catch (const cc::HttpError& e) {
    return e.what();
  }
}

}  // namespace

TEST(AnalysisRequest, AcceptsCodeWithOptionalLanguageAndFilename) {
  auto in = parseAnalysisRequest(R"({"code":"int main(){}","language":"CPP","filename":"src/main.cpp"})", {});
  EXPECT_EQ(in.code, "int main(){}");
  EXPECT_EQ(in.language, "cpp");
  EXPECT_EQ(in.filename, "src/main.cpp");
  auto bare = parseAnalysisRequest(R"({"code":"x = 1","language":null})", {});
  EXPECT_EQ(bare.language, "");
}

TEST(AnalysisRequest, RejectsMissingEmptyOrNonStringCode) {
  EXPECT_EQ(statusOf(R"({})"), 400);
  EXPECT_EQ(messageOf(R"({})"), "code is required");
  EXPECT_EQ(statusOf(R"({"code":""})"), 400);
  EXPECT_EQ(messageOf(R"({"code":" \n\t "})"), "code must not be empty");
  EXPECT_EQ(messageOf(R"({"code":42})"), "code must be a string");
  EXPECT_EQ(statusOf(R"({"code":["a"]})"), 400);
  EXPECT_EQ(statusOf("not json"), 400);
  EXPECT_EQ(statusOf(""), 400);
  EXPECT_EQ(statusOf(R"(["code"])"), 400);
}

TEST(AnalysisRequest, RejectsBinaryJunk) {
  EXPECT_EQ(statusOf(R"({"code":"abc\u0000def"})"), 400);
  EXPECT_NE(messageOf(R"({"code":"abc\u0000def"})").find("NUL"), std::string::npos);
  EXPECT_EQ(statusOf(std::string("{\"code\":\"abc\xff\xfe\"}")), 400);
  EXPECT_EQ(statusOf(R"({"code":"\u0001\u0002\u0003\u0004\u0005abc"})"), 400);
  EXPECT_EQ(statusOf(std::string("\x89PNG\r\n\x1a\n\0\0\0", 11)), 400);
}

TEST(AnalysisRequest, RejectsBadLanguageAndFilename) {
  EXPECT_EQ(statusOf(R"({"code":"x","language":5})"), 400);
  EXPECT_EQ(statusOf(R"({"code":"x","language":")" + std::string(40, 'a') + "\"}"), 400);
  EXPECT_EQ(statusOf(R"({"code":"x","filename":"a\nb"})"), 400);
  EXPECT_EQ(statusOf(R"({"code":"x","filename":")" + std::string(300, 'f') + "\"}"), 400);
}

TEST(AnalysisRequest, CodeAboveTheLimitIs413) {
  AnalysisConfig config;
  config.maxCodeBytes = 10;
  EXPECT_EQ(statusOf(R"({"code":"0123456789"})", config), 200);
  EXPECT_EQ(statusOf(R"({"code":"0123456789A"})", config), 413);
  EXPECT_NE(messageOf(R"({"code":"0123456789A"})", config).find("limit is 10 bytes"), std::string::npos);
}

TEST(Utf8Text, ValidatesAndSanitises) {
  EXPECT_TRUE(isValidUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(isValidUtf8("\xE2\x82"));          // cut short
  EXPECT_EQ(sanitizeUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(truncateUtf8("\xE2\x82\xAC\xE2\x82\xAC", 4), "\xE2\x82\xAC");
}
