#include "gemini_protocol.hpp"

#include "utf8_text.hpp"

#include <codecouncil/sdk/json.hpp>

#include <algorithm>

namespace cc::analysis {
namespace {

constexpr std::size_t kMaxFindings = 500;
constexpr std::size_t kMaxMessageBytes = 2000;
constexpr std::size_t kMaxSummaryBytes = 4000;

const char* kInstructions =
    "You are a senior code auditor. Review the code below for security problems (hard-coded "
    "secrets, injection, unsafe deserialisation, weak crypto), bugs, and maintainability problems "
    "(very long functions, deep nesting, unfinished TODO/FIXME work).\n"
    "Answer with one JSON object and nothing else, of this form:\n"
    "{\"summary\": \"one or two sentences\", \"findings\": [{\"line\": 12, \"endLine\": 14, "
    "\"severity\": \"critical|high|medium|low|info\", \"rule\": \"short-kebab-case-id\", "
    "\"message\": \"what is wrong and how to fix it\"}]}\n"
    "Line numbers are 1-based and refer to the numbered code. Never repeat a secret's value in a message.";

std::string numbered(const std::string& code) {
  std::string out;
  int line = 1;
  out += "1: ";
  for (char c : code) {
    out += c;
    if (c == '\n') out += std::to_string(++line) + ": ";
  }
  return out;
}

// Models wrap JSON in ```json fences now and then, even when asked for JSON only.
std::string stripFences(std::string text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  text = text.substr(first);
  if (text.rfind("```", 0) == 0) {
    auto nl = text.find('\n');
    text = nl == std::string::npos ? "" : text.substr(nl + 1);
    auto close = text.rfind("```");
    if (close != std::string::npos) text = text.substr(0, close);
  }
  return text;
}

int lineOf(const json::ObjectPtr& o, const char* key, int fallback) {
  if (!o->has(key)) return fallback;
  auto v = o->get(key);
  try {
    if (v.isString()) return std::stoi(v.toString());
    if (v.isNumeric()) return static_cast<int>(v.convert<double>());
  } catch (const std::exception&) {
  }
  return fallback;
}

std::string textOf(const json::ObjectPtr& o, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (o->has(k) && o->get(k).isString()) return o->get(k).toString();
  return "";
}

// Rule ids are for machines: lower-case letters, digits and dashes.
std::string ruleId(const std::string& text) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(l))) out += l;
    else if (!out.empty() && out.back() != '-') out += '-';
    if (out.size() >= 64) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "gemini" : out;
}

json::ObjectPtr parseModelJson(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(stripFences(text));
    if (v.type() == typeid(json::ObjectPtr)) return v.extract<json::ObjectPtr>();
  } catch (const std::exception&) {
  }
  throw AnalyzerError("Gemini's answer was not in the expected JSON format");
}

}  // namespace

std::string geminiRequestBody(const AnalysisInput& input, int maxOutputTokens) {
  std::string about;
  if (!input.language.empty()) about += "Language: " + input.language + "\n";
  if (!input.filename.empty()) about += "File: " + input.filename + "\n";
  auto part = json::object();
  part->set("text", std::string(kInstructions) + "\n\n" + about + "Code:\n" + numbered(input.code));
  auto parts = json::array();
  parts->add(part);
  auto content = json::object();
  content->set("role", "user");
  content->set("parts", parts);
  auto contents = json::array();
  contents->add(content);
  auto generation = json::object();
  generation->set("responseMimeType", "application/json");
  generation->set("temperature", 0);
  generation->set("maxOutputTokens", maxOutputTokens);
  auto body = json::object();
  body->set("contents", contents);
  body->set("generationConfig", generation);
  return json::stringify(body);
}

AnalysisOutput parseGeminiReply(const std::string& body, int lineCount) {
  json::ObjectPtr reply;
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(body);
    if (v.type() == typeid(json::ObjectPtr)) reply = v.extract<json::ObjectPtr>();
  } catch (const std::exception&) {
  }
  if (!reply) throw AnalyzerError("Gemini's reply was not valid JSON");

  auto candidates = reply->getArray("candidates");
  if (!candidates || candidates->size() == 0) {
    auto feedback = reply->getObject("promptFeedback");
    std::string reason = feedback ? feedback->optValue<std::string>("blockReason", "") : "";
    throw AnalyzerError(reason.empty() ? "Gemini returned no answer"
                                       : "Gemini declined to analyse this code (" + truncateUtf8(reason, 64) + ")");
  }
  auto candidate = candidates->getObject(0);
  auto content = candidate ? candidate->getObject("content") : nullptr;
  auto parts = content ? content->getArray("parts") : nullptr;
  std::string text;
  for (std::size_t i = 0; parts && i < parts->size(); ++i) {
    auto p = parts->getObject(static_cast<unsigned>(i));
    if (p && p->has("text") && p->get("text").isString()) text += p->get("text").toString();
  }
  if (text.empty()) {
    std::string reason = candidate ? candidate->optValue<std::string>("finishReason", "") : "";
    throw AnalyzerError("Gemini returned no text" + (reason.empty() ? "" : " (" + truncateUtf8(reason, 64) + ")"));
  }

  json::ObjectPtr result = parseModelJson(text);
  AnalysisOutput out;
  out.summary = truncateUtf8(sanitizeUtf8(textOf(result, {"summary"})), kMaxSummaryBytes);
  auto findings = result->getArray("findings");
  int maxLine = std::max(lineCount, 1);
  for (std::size_t i = 0; findings && i < findings->size() && out.findings.size() < kMaxFindings; ++i) {
    auto f = findings->getObject(static_cast<unsigned>(i));
    if (!f) continue;
    std::string message = textOf(f, {"message", "description", "issue"});
    if (message.empty()) continue;  // a finding nobody can act on
    Finding finding;
    finding.line = std::clamp(lineOf(f, "line", 1), 1, maxLine);
    finding.endLine = std::clamp(lineOf(f, "endLine", finding.line), finding.line, maxLine);
    finding.severity = normalizeSeverity(textOf(f, {"severity"}));
    finding.rule = ruleId(textOf(f, {"rule", "category", "type"}));
    finding.message = truncateUtf8(sanitizeUtf8(message), kMaxMessageBytes);
    out.findings.push_back(std::move(finding));
  }
  sortFindings(out.findings);
  if (out.summary.empty())
    out.summary = std::to_string(out.findings.size()) + (out.findings.size() == 1 ? " finding" : " findings");
  return out;
}

std::string geminiErrorMessage(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(body);
    if (v.type() != typeid(json::ObjectPtr)) return "";
    auto error = v.extract<json::ObjectPtr>()->getObject("error");
    if (!error) return "";
    return truncateUtf8(sanitizeUtf8(error->optValue<std::string>("message", "")), 200);
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace cc::analysis
