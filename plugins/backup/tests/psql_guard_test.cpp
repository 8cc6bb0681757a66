// The filter in front of psql drops exactly pg_dump's own \restrict/\unrestrict pair and
// passes every other byte through, however the stream is cut into chunks.
#include "psql_guard.hpp"

#include <gtest/gtest.h>

using cc::backup::DumpRestrictFilter;

namespace {

std::string filtered(const std::string& in, std::size_t chunk) {
  std::string out;
  DumpRestrictFilter f([&](const char* d, std::size_t n) { out.append(d, n); });
  for (std::size_t i = 0; i < in.size(); i += chunk) f.feed(in.data() + i, std::min(chunk, in.size() - i));
  f.finish();
  return out;
}

const std::string kHeader = "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC123\n\n-- Dumped by pg_dump\n";

}  // namespace

TEST(DumpRestrictFilter, DropsTheDumpsOwnPairAndNothingElse) {
  std::string body = "SET x = 1;\nCOPY t (a) FROM stdin;\n\\N\n\\restrict AbC123\n\\.\n\n-- dump complete\n";
  std::string in = kHeader + body + "\n\\unrestrict AbC123\n";
  std::string expected = "--\n-- PostgreSQL database dump\n--\n\n\n-- Dumped by pg_dump\n" + body + "\n";
  for (std::size_t chunk : {1u, 3u, 7u, 4096u}) EXPECT_EQ(filtered(in, chunk), expected) << chunk;
}

TEST(DumpRestrictFilter, KeepsMetaCommandsForPsqlToRefuse) {
  // Another key, a \restrict after SQL began, a lookalike with trailing junk: all reach psql,
  // which is restricted under the restorer's own key and refuses them.
  std::string in = kHeader + "SELECT 1;\n\\unrestrict Other\n\\! touch /tmp/x\n\\unrestrict AbC123 x\n";
  EXPECT_EQ(filtered(in, 5), "--\n-- PostgreSQL database dump\n--\n\n\n-- Dumped by pg_dump\nSELECT 1;\n"
                             "\\unrestrict Other\n\\! touch /tmp/x\n\\unrestrict AbC123 x\n");
  std::string late = "SELECT 1;\n\\restrict AbC123\n";
  EXPECT_EQ(filtered(late, 2), late);
}

TEST(DumpRestrictFilter, LongLinesPassUnchanged) {
  std::string longLine = "INSERT INTO t VALUES ('" + std::string(200000, 'x') + "');\n";
  std::string in = kHeader + longLine + longLine + "\\unrestrict AbC123";
  std::string expected = "--\n-- PostgreSQL database dump\n--\n\n\n-- Dumped by pg_dump\n" + longLine + longLine;
  EXPECT_EQ(filtered(in, 65536), expected);
  EXPECT_EQ(filtered(in, 100000), expected);
}

TEST(DumpRestrictFilter, RestrictKeysAreRandomAndAlphanumeric) {
  auto a = cc::backup::randomRestrictKey(), b = cc::backup::randomRestrictKey();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << a;
}
