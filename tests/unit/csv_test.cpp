// cc::csv (sdk/include/codecouncil/sdk/csv.hpp): RFC 4180 quoting, formula defusing, UTF-8 repair.
#include <codecouncil/sdk/csv.hpp>

#include <gtest/gtest.h>

using namespace cc;

TEST(Csv, QuotesPerRfc4180AndDefusesFormulas) {
  EXPECT_EQ(csv::cell("plain"), "plain");
  EXPECT_EQ(csv::cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv::cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv::cell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv::cell("two\r\nlines"), "\"two\r\nlines\"");
  for (const char* formula : {"=1+1", "+1", "-1", "@A1", "\tx"}) EXPECT_EQ(csv::cell(formula), "'" + std::string(formula));
  EXPECT_EQ(csv::cell("\rx"), "\"'\rx\"");
  EXPECT_EQ(csv::cell("=HYPERLINK(\"u\",\"x\")"), "\"'=HYPERLINK(\"\"u\"\",\"\"x\"\")\"");
  EXPECT_EQ(csv::cell("a=b"), "a=b");
  EXPECT_EQ(csv::cell(""), "");
  EXPECT_EQ(csv::cell("bad \xff byte"), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(csv::cell("\xff=x"), "\xEF\xBF\xBD=x");
  EXPECT_EQ(csv::row({"a", "b,c", ""}), "a,\"b,c\",\r\n");
  std::string out = "x";
  csv::appendRow(out, {"=1", "ü"});
  EXPECT_EQ(out, "x'=1,ü\r\n");
}
