// Where an installed binary looks for its configuration (core/config/install_layout.cpp).
#include "core/config/install_layout.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using cc::core::installedConfigDirFor;

TEST(InstallLayout, APrefixsBinaryReadsThePrefixsEtcWhenItExists) {
  cc::test::TempDir dir;
  const fs::path prefix = dir.path() / "opt-cc";
  fs::create_directories(prefix / "bin");
  EXPECT_EQ(installedConfigDirFor((prefix / "bin" / "codecouncil").string()), "")
      << "no etc/codecouncil: not an install (a build folder's bin/)";
  fs::create_directories(prefix / "etc" / "codecouncil");
  EXPECT_EQ(installedConfigDirFor((prefix / "bin" / "codecouncil").string()), (prefix / "etc" / "codecouncil").string());
  EXPECT_EQ(installedConfigDirFor((prefix / "bin" / "." / "codecouncil").string()),
            (prefix / "etc" / "codecouncil").string());
}

TEST(InstallLayout, OnlyABinaryInABinFolderIsInstalled) {
  cc::test::TempDir dir;
  fs::create_directories(dir.path() / "etc" / "codecouncil");
  fs::create_directories(dir.path() / "sbin");
  EXPECT_EQ(installedConfigDirFor((dir.path() / "codecouncil").string()), "");
  EXPECT_EQ(installedConfigDirFor((dir.path() / "sbin" / "codecouncil").string()), "");
  EXPECT_EQ(installedConfigDirFor("codecouncil"), "");
  EXPECT_EQ(installedConfigDirFor(""), "");
}

TEST(InstallLayout, UsrBinReadsEtcCodecouncilAsTheFhsSays) {
  // /usr/etc/codecouncil is never consulted; /etc/codecouncil is, when it exists.
  std::error_code ec;
  const bool installedHere = fs::is_directory("/etc/codecouncil", ec);
  EXPECT_EQ(installedConfigDirFor("/usr/bin/codecouncil"), installedHere ? "/etc/codecouncil" : "");
}

TEST(InstallLayout, TheTestBinaryIsNotInstalled) {
  EXPECT_EQ(cc::core::installedConfigDir(), "") << "build/bin has no ../etc/codecouncil";
}
