// Gemini's wire format both ways: what we send, and how replies become findings or errors.
#include "gemini_protocol.hpp"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "support/fake_gemini_server.hpp"

using namespace cc::analysis;
using analysistest::geminiReplyWithText;

namespace {
std::string errorOf(const std::string& body, int lines = 10) {
  try {
    parseGeminiReply(body, lines);
    return "";
  } catch (const AnalyzerError& e) {
    return e.what();
  }
}
}  // namespace

TEST(GeminiProtocol, RequestCarriesNumberedCodeAndAsksForJson) {
  std::string body = geminiRequestBody({"a = 1\nb = 2", "python", "x.py"}, 4096);
  Poco::JSON::Parser parser;
  auto o = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  auto text = o->getArray("contents")->getObject(0)->getArray("parts")->getObject(0)->getValue<std::string>("text");
  EXPECT_NE(text.find("1: a = 1\n2: b = 2"), std::string::npos) << text;
  EXPECT_NE(text.find("Language: python"), std::string::npos);
  EXPECT_NE(text.find("File: x.py"), std::string::npos);
  auto gen = o->getObject("generationConfig");
  EXPECT_EQ(gen->getValue<std::string>("responseMimeType"), "application/json");
  EXPECT_EQ(gen->getValue<int>("maxOutputTokens"), 4096);
}

TEST(GeminiProtocol, ParsesFindingsNormalisingSeverityRuleAndLines) {
  std::string text =
      R"({"summary":"two issues","findings":[)"
      R"({"line":40,"severity":"HIGH","rule":"SQL Injection!","message":"query from input"},)"
      R"({"line":"2","severity":"weird","category":"style","message":"naming"},)"
      R"({"line":3,"severity":"low"}]})";
  auto out = parseGeminiReply(geminiReplyWithText(text), 10);
  EXPECT_EQ(out.summary, "two issues");
  ASSERT_EQ(out.findings.size(), 2u) << "a finding without a message is dropped";
  EXPECT_EQ(out.findings[0].line, 2);
  EXPECT_EQ(out.findings[0].severity, "info");
  EXPECT_EQ(out.findings[0].rule, "style");
  EXPECT_EQ(out.findings[1].line, 10) << "lines beyond the code are clamped";
  EXPECT_EQ(out.findings[1].severity, "high");
  EXPECT_EQ(out.findings[1].rule, "sql-injection");
}

TEST(GeminiProtocol, AcceptsFencedJson) {
  auto out = parseGeminiReply(geminiReplyWithText("```json\n{\"findings\":[]}\n```"), 3);
  EXPECT_TRUE(out.findings.empty());
  EXPECT_EQ(out.summary, "0 findings");
}

TEST(GeminiProtocol, ExplainsUnusableReplies) {
  EXPECT_NE(errorOf("<html>"), "");
  EXPECT_NE(errorOf(R"({"candidates":[]})").find("no answer"), std::string::npos);
  EXPECT_NE(errorOf(R"({"promptFeedback":{"blockReason":"SAFETY"}})").find("SAFETY"), std::string::npos);
  EXPECT_NE(errorOf(R"({"candidates":[{"finishReason":"RECITATION"}]})").find("RECITATION"), std::string::npos);
  EXPECT_NE(errorOf(geminiReplyWithText("I think the code is fine.")).find("expected JSON"), std::string::npos);
}

TEST(GeminiProtocol, ErrorMessageFromAnErrorReply) {
  EXPECT_EQ(geminiErrorMessage(R"({"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}})"),
            "API key not valid.");
  EXPECT_EQ(geminiErrorMessage("oops"), "");
}
