#include "core/db/database_impl.hpp"

#include <gtest/gtest.h>

using cc::Engine;
using cc::core::parseDatabaseUrl;

TEST(DatabaseUrl, SqliteAbsoluteAndRelative) {
  auto abs = parseDatabaseUrl("sqlite:///var/lib/cc/app.db", "/etc/cc");
  EXPECT_EQ(abs.engine, Engine::SQLite);
  EXPECT_EQ(abs.sqlitePath, "/var/lib/cc/app.db");
  auto rel = parseDatabaseUrl("sqlite://data/app.db", "/etc/cc/config");
  EXPECT_EQ(rel.sqlitePath, "/etc/cc/config/data/app.db");
}

TEST(DatabaseUrl, PostgresWithDecodedPassword) {
  auto u = parseDatabaseUrl("postgresql://app:p%40ss%3Aw%2Frd@db.internal:6543/prod?sslmode=require", "/");
  EXPECT_EQ(u.engine, Engine::PostgreSQL);
  EXPECT_NE(u.connectorString.find("password='p@ss:w/rd'"), std::string::npos) << u.connectorString;
  EXPECT_NE(u.connectorString.find("port=6543"), std::string::npos);
  EXPECT_NE(u.connectorString.find("dbname='prod'"), std::string::npos);
  EXPECT_NE(u.connectorString.find("sslmode='require'"), std::string::npos);
  // The same parameters, unquoted, for libpq's PQconnectdbParams (the prepared fast path).
  using KV = std::pair<std::string, std::string>;
  EXPECT_EQ(u.libpqParams, (std::vector<KV>{{"host", "db.internal"}, {"port", "6543"}, {"dbname", "prod"},
                                            {"user", "app"}, {"password", "p@ss:w/rd"}, {"sslmode", "require"},
                                            {"connect_timeout", "5"}}));
  // The description is safe to log.
  EXPECT_EQ(u.describe(), "postgresql://app@db.internal:6543/prod");
  EXPECT_EQ(u.describe().find("p@ss"), std::string::npos);
}

TEST(DatabaseUrl, ErrorsNeverEchoThePassword) {
  for (const char* url : {"mysql://u:hunter2@h/db", "postgresql://u:hunter2@/db", "postgresql://u:hunter2@h/",
                          "postgresql://u:hunter2@h/db?evil=1", "postgresql://u:hunter%202@h/db"}) {
    try {
      parseDatabaseUrl(url, "/");
      ADD_FAILURE() << url << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find("hunter"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("database.url", 0), 0u) << e.what();
    }
  }
}

TEST(DatabaseUrl, SqliteNeedsAPath) { EXPECT_THROW(parseDatabaseUrl("sqlite://", "/"), std::invalid_argument); }
