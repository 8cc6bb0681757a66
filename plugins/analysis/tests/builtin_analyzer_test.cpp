// The offline analyzer: each rule fires on the line it should, with its severity, and stays
// quiet where it should (strings, comments, placeholders); secrets are never echoed back.
#include "builtin_analyzer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace cc::analysis;

namespace {

AnalysisOutput run(const std::string& code, const std::string& language = "", const std::string& filename = "",
                   BuiltinSettings settings = {}) {
  return BuiltinAnalyzer(settings).analyze({code, language, filename});
}

std::vector<Finding> withRule(const AnalysisOutput& out, const std::string& rule) {
  std::vector<Finding> found;
  std::copy_if(out.findings.begin(), out.findings.end(), std::back_inserter(found),
               [&](const Finding& f) { return f.rule == rule; });
  return found;
}

std::string repeatLines(const std::string& line, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += line + "\n";
  return out;
}

}  // namespace

TEST(BuiltinAnalyzer, FindsKnownTokenShapesWithLineAndSeverityWithoutEchoingThem) {
  std::string awsKey = "AKIA" + std::string("IOSFODNN7EXAMPLQ");
  std::string code = "int main() {\n  const char* k = \"" + awsKey + "\";\n  return 0;\n}\n";
  auto out = run(code, "cpp");
  auto secrets = withRule(out, "hardcoded-secret");
  ASSERT_EQ(secrets.size(), 1u);
  EXPECT_EQ(secrets[0].line, 2);
  EXPECT_EQ(secrets[0].severity, "critical");
  EXPECT_NE(secrets[0].message.find("AWS access key"), std::string::npos);
  EXPECT_EQ(secrets[0].message.find(awsKey), std::string::npos) << "the secret must not be repeated";
}

TEST(BuiltinAnalyzer, FindsPrivateKeysAndStripeKeys) {
  std::string code = "KEY = '''\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n'''\nstripe_key = \"sk_live_" +
                     std::string(24, 'a') + "\"\n";
  auto secrets = withRule(run(code, "python"), "hardcoded-secret");
  ASSERT_EQ(secrets.size(), 2u);
  EXPECT_EQ(secrets[0].line, 2);
  EXPECT_EQ(secrets[0].severity, "critical");
  EXPECT_EQ(secrets[1].line, 5);
  EXPECT_EQ(secrets[1].severity, "critical");
}

TEST(BuiltinAnalyzer, FindsPasswordAssignmentsButNotPlaceholders) {
  std::string code =
      "db_password = \"hunter2hunter2\"\n"
      "api_key = os.getenv('API_KEY')\n"
      "token = \"\"\n"
      "secret = \"changeme\"\n"
      "config = {\"client_secret\": \"s3cr3tvalue!\"}\n";
  auto secrets = withRule(run(code, "python"), "hardcoded-secret");
  ASSERT_EQ(secrets.size(), 2u);
  EXPECT_EQ(secrets[0].line, 1);
  EXPECT_EQ(secrets[0].severity, "high");
  EXPECT_EQ(secrets[0].message.find("hunter2"), std::string::npos);
  EXPECT_NE(secrets[0].message.find("db_password"), std::string::npos);
  EXPECT_EQ(secrets[1].line, 5);
}

TEST(BuiltinAnalyzer, FindsTodoAndFixmeOnlyInComments) {
  std::string code =
      "// TODO: handle errors\n"
      "int x = 1; /* FIXME overflow */\n"
      "const char* s = \"TODO not a comment\";\n"
      "# TODO hash is not a comment in C\n";
  auto out = run(code, "c");
  auto todos = withRule(out, "todo");
  auto fixmes = withRule(out, "fixme");
  ASSERT_EQ(todos.size(), 1u);
  EXPECT_EQ(todos[0].line, 1);
  EXPECT_EQ(todos[0].severity, "info");
  EXPECT_NE(todos[0].message.find("handle errors"), std::string::npos);
  ASSERT_EQ(fixmes.size(), 1u);
  EXPECT_EQ(fixmes[0].line, 2);
  EXPECT_EQ(fixmes[0].severity, "low");
}

TEST(BuiltinAnalyzer, HashCommentsForPythonAndShell) {
  auto py = run("x = 1  # FIXME wrong\ns = '# TODO in a string'\n", "python");
  EXPECT_EQ(withRule(py, "fixme").size(), 1u);
  EXPECT_EQ(withRule(py, "todo").size(), 0u);
  auto sh = run("echo $# # TODO count\n", "", "run.sh");
  ASSERT_EQ(withRule(sh, "todo").size(), 1u);
}

TEST(BuiltinAnalyzer, ReportsLongFunctionsWithTheirSpan) {
  std::string code = "void shortOne() {\n  f();\n}\n\nint Widget::render(int a) {\n" + repeatLines("  step();", 70) +
                     "}\n";
  auto longOnes = withRule(run(code, "cpp"), "long-function");
  ASSERT_EQ(longOnes.size(), 1u);
  EXPECT_EQ(longOnes[0].line, 5);
  EXPECT_EQ(longOnes[0].endLine, 76);
  EXPECT_EQ(longOnes[0].severity, "medium");
  EXPECT_NE(longOnes[0].message.find("'render'"), std::string::npos) << longOnes[0].message;
  EXPECT_NE(longOnes[0].message.find("72 lines"), std::string::npos) << longOnes[0].message;
}

TEST(BuiltinAnalyzer, BracesInStringsAndCommentsDoNotCount) {
  std::string code = "int f() {\n  const char* s = \"{{{{{{\";\n  // }}}}\n  return 1;\n}\n" +
                     repeatLines("int g();", 3);
  auto out = run(code, "cpp", "", {5, 4});
  EXPECT_TRUE(withRule(out, "long-function").empty()) << "f is 5 lines: at the limit, not over";
  EXPECT_TRUE(withRule(out, "deep-nesting").empty());
}

TEST(BuiltinAnalyzer, ReportsDeepNestingOncePerExcursion) {
  std::string code =
      "void f(int a) {\n"             // 1
      "  if (a) {\n"                  // 2  depth 1
      "    for (;;) {\n"              // 3  depth 2
      "      while (a) {\n"           // 4  depth 3
      "        if (a > 1) {\n"        // 5  depth 4
      "          if (a > 2) {\n"      // 6  depth 5: reported
      "            if (a > 3) {\n"    // 7  depth 6: same excursion
      "            }\n"
      "          }\n"
      "        }\n"
      "      }\n"
      "    }\n"
      "  }\n"
      "}\n"
      "class C { void g() { if (1) { } } };\n";  // class bodies do not count as nesting
  auto deep = withRule(run(code, "cpp"), "deep-nesting");
  ASSERT_EQ(deep.size(), 1u);
  EXPECT_EQ(deep[0].line, 6);
  EXPECT_NE(deep[0].message.find("5 levels"), std::string::npos) << deep[0].message;
}

TEST(BuiltinAnalyzer, PythonFunctionsAndNestingByIndentation) {
  std::string code = "def short():\n    return 1\n\n\ndef long_one(a):\n" + repeatLines("    a += 1", 65) +
                     "    if a:\n        for i in a:\n            while i:\n                if i:\n"
                     "                    if i > 1:\n                        pass\n"
                     "x = long_one(\n  1)\n";
  auto out = run(code, "python");
  auto longOnes = withRule(out, "long-function");
  ASSERT_EQ(longOnes.size(), 1u);
  EXPECT_EQ(longOnes[0].line, 5);
  EXPECT_EQ(longOnes[0].endLine, 76);
  EXPECT_NE(longOnes[0].message.find("'long_one'"), std::string::npos);
  auto deep = withRule(out, "deep-nesting");
  ASSERT_EQ(deep.size(), 1u);
  EXPECT_EQ(deep[0].line, 75);
}

TEST(BuiltinAnalyzer, CleanCodeHasNoFindingsAndASummary) {
  auto out = run("int add(int a, int b) {\n  return a + b;\n}\n", "cpp");
  EXPECT_TRUE(out.findings.empty());
  EXPECT_EQ(out.summary, "no findings in 3 lines");
}

TEST(BuiltinAnalyzer, SummaryCountsBySeverityAndFindingsAreOrderedByLine) {
  auto out = run("// TODO b\nint x; // FIXME a\npassword = \"abcdefgh123\"\n", "cpp");
  ASSERT_EQ(out.findings.size(), 3u);
  EXPECT_EQ(out.findings[0].line, 1);
  EXPECT_EQ(out.findings[2].line, 3);
  EXPECT_EQ(out.summary, "3 findings: 1 high, 1 low, 1 info in 3 lines");
}

TEST(BuiltinAnalyzer, SurvivesHugeLinesAndUnbalancedBraces) {
  // One 300 KB line: std::regex must not recurse over all of it (that overflows the stack).
  std::string huge = "var a = \"" + std::string(300000, 'x') + "\"; // TODO end\n";
  huge += std::string(2000, '}') + std::string(2000, '{') + "\n";
  auto out = run(huge, "javascript");
  EXPECT_EQ(withRule(out, "todo").size(), 1u);
  std::string secretFar = std::string(200000, ' ') + "token = \"ghp_" + std::string(36, 'A') + "\"";
  EXPECT_EQ(withRule(run(secretFar, "js"), "hardcoded-secret").size(), 1u) << "a secret far into a long line";
}

TEST(BuiltinAnalyzer, CapsTheNumberOfFindings) {
  auto out = run(repeatLines("// TODO again", 1500), "cpp");
  EXPECT_EQ(out.findings.size(), kMaxBuiltinFindings);
  EXPECT_EQ(out.summary, "1500 findings: 1500 info in 1500 lines (the first 1000 are listed)");
}
