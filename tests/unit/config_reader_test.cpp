// cc::ConfigReader (sdk/config_reader.hpp): every rule a declaration gives, each error located
// as "path (file:line)", and loadConfig's hooks. The host's own sections use the same reader
// (tests/unit/config_test.cpp); plugins get it through cc::ConfiguredPlugin.
#include <codecouncil/sdk/config_reader.hpp>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

cc::ConfigNode node(const std::string& yaml) {
  return cc::ConfigNode(YAML::Load(yaml), "plugins[0].config", std::make_shared<const std::string>("p.yaml"), 1);
}

struct Limits {
  int perDay = 10;
  bool strict = false;
  static void describe(cc::ConfigReader& r, Limits& l) {
    r.integer("per_day", 0, 1000, l.perDay).boolean("strict", l.strict);
  }
};

struct Settings {
  std::string name = "default";
  std::string token;
  int port = 5000;
  std::int64_t bytes = 1024;
  double factor = 1.5;
  bool enabled = true;
  std::string mode = "fast";
  std::vector<std::string> tags{"a", "b"};
  std::vector<double> buckets{1, 2};
  Limits limits;
  std::map<std::string, Limits> tiers{{"free", Limits{3, true}}};
  std::vector<Limits> rules;
  static void describe(cc::ConfigReader& r, Settings& s) {
    r.string("name", s.name)
        .string("token", s.token, /*required=*/true)
        .integer("port", 1, 65535, s.port)
        .integer("bytes", 0, 1LL << 40, s.bytes)
        .number("factor", 0, 10, s.factor)
        .boolean("enabled", s.enabled)
        .oneOf("mode", {"fast", "safe"}, s.mode)
        .stringList("tags", s.tags)
        .numberList("buckets", s.buckets)
        .section("limits", s.limits)
        .mapOf<Limits>("tiers", s.tiers, [](cc::ConfigReader& t, const std::string&, Limits& l) { Limits::describe(t, l); })
        .listOf<Limits>("rules", s.rules, [](cc::ConfigReader& t, Limits& l) { Limits::describe(t, l); });
  }
};

std::vector<std::string> errorsOf(const std::string& yaml) {
  cc::ConfigErrors errors;
  cc::loadConfig<Settings>(node(yaml), errors);
  return errors.list();
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& e : list) out += e + "\n";
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& line) {
  for (const auto& e : list)
    if (e == line) return true;
  return false;
}

}  // namespace

TEST(ConfigReader, BindsEveryKindOfKey) {
  cc::ConfigErrors errors;
  Settings s = cc::loadConfig<Settings>(node(R"(
name: shop
token: t0k
port: 8080
bytes: 1099511627776
factor: 2.5
enabled: false
mode: safe
tags: [x]
buckets: [0.5, 1]
limits: { per_day: 7 }
tiers: { free: { per_day: 4 }, team: { strict: true } }
rules: [ { per_day: 1 }, { strict: true } ]
)"),
                                        errors);
  ASSERT_TRUE(errors.empty()) << errors.joined();
  EXPECT_EQ(s.name, "shop");
  EXPECT_EQ(s.token, "t0k");
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.bytes, 1LL << 40);
  EXPECT_DOUBLE_EQ(s.factor, 2.5);
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.mode, "safe");
  EXPECT_EQ(s.tags, std::vector<std::string>{"x"});
  EXPECT_EQ(s.buckets, (std::vector<double>{0.5, 1}));
  EXPECT_EQ(s.limits.perDay, 7);
  EXPECT_EQ(s.tiers.at("free").perDay, 4);
  EXPECT_TRUE(s.tiers.at("free").strict) << "an entry already in the map keeps its other values";
  EXPECT_EQ(s.tiers.at("team").perDay, 10);
  EXPECT_TRUE(s.tiers.at("team").strict);
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].perDay, 1);
  EXPECT_TRUE(s.rules[1].strict);
}

TEST(ConfigReader, AbsentKeysKeepTheMembersInitialValues) {
  cc::ConfigErrors errors;
  Settings s = cc::loadConfig<Settings>(node("token: x"), errors);
  ASSERT_TRUE(errors.empty()) << errors.joined();
  EXPECT_EQ(s.name, "default");
  EXPECT_EQ(s.port, 5000);
  EXPECT_EQ(s.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.limits.perDay, 10);
  EXPECT_EQ(s.tiers.size(), 1u);
}

TEST(ConfigReader, ReportsEveryWrongTypeRangeAndChoiceWithFileAndLine) {
  auto errors = errorsOf(R"(token: x
port: 70000
bytes: lots
factor: 11
enabled: maybe
mode: turbo
name: [1]
tags: notalist
buckets: [1, x]
)");
  EXPECT_EQ(errors.size(), 8u) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.port (p.yaml:2): must be between 1 and 65535")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.bytes (p.yaml:3): expected an integer, got 'lots'")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.factor (p.yaml:4): must be between 0 and 10")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.enabled (p.yaml:5): expected true or false, got 'maybe'")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.mode (p.yaml:6): must be one of: fast, safe (got 'turbo')")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.name (p.yaml:7): expected a string")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.tags (p.yaml:8): expected a list")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.buckets[1] (p.yaml:9): expected a number, got 'x'")) << joined(errors);
}

TEST(ConfigReader, InvalidValuesLeaveTheDefault) {
  cc::ConfigErrors errors;
  Settings s = cc::loadConfig<Settings>(node("{token: x, port: 0, buckets: [1, x], mode: turbo}"), errors);
  EXPECT_EQ(errors.list().size(), 3u) << errors.joined();
  EXPECT_EQ(s.port, 5000);
  EXPECT_EQ(s.buckets, (std::vector<double>{1, 2})) << "a list with a bad item is not half-applied";
  EXPECT_EQ(s.mode, "fast");
}

TEST(ConfigReader, RequiredKeysAreReportedWhereTheyBelong) {
  auto errors = errorsOf("name: x\n");
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_EQ(errors[0], "plugins[0].config.token (p.yaml:1): is required");
  // An absent section reports only its required keys.
  cc::ConfigErrors absent;
  cc::loadConfig<Settings>(cc::ConfigNode(YAML::Node(YAML::NodeType::Undefined), "plugins[0].config",
                                          std::make_shared<const std::string>("p.yaml"), 4),
                           absent);
  ASSERT_EQ(absent.list().size(), 1u) << absent.joined();
  EXPECT_EQ(absent.list()[0], "plugins[0].config.token (p.yaml:4): is required");
}

TEST(ConfigReader, UnknownKeysGetADidYouMeanOnTheKeysOwnLine) {
  auto errors = errorsOf(R"(token: x
prot: 1
limits:
  per_dya: 3
  strict: true
tiers:
  team:
    stricct: true
rules:
  - { per_day: 1, colour: red }
)");
  EXPECT_EQ(errors.size(), 4u) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.prot (p.yaml:2): unknown key 'prot' (did you mean 'port'?)"))
      << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.limits.per_dya (p.yaml:4): unknown key 'per_dya' (did you mean "
                          "'per_day'?)"))
      << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.tiers.team.stricct (p.yaml:8): unknown key 'stricct' (did you mean "
                          "'strict'?)"))
      << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.rules[0].colour (p.yaml:10): unknown key 'colour'")) << joined(errors);
}

TEST(ConfigReader, AKeyGivenTwiceIsReportedAtTheSecond) {
  auto errors = errorsOf(R"(token: x
port: 1
limits:
  per_day: 1
  per_day: 2
tiers:
  free: {}
  free: {}
port: 2
)");
  EXPECT_EQ(errors.size(), 3u) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.port (p.yaml:9): is defined more than once")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.limits.per_day (p.yaml:5): is defined more than once")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.tiers.free (p.yaml:8): is defined more than once")) << joined(errors);
}

TEST(ConfigReader, NestedShapesMustBeMaps) {
  auto errors = errorsOf(R"(token: x
limits: 5
tiers: { team: 3 }
rules: [ 1 ]
)");
  EXPECT_EQ(errors.size(), 3u) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.limits (p.yaml:2): expected a map")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.tiers.team (p.yaml:3): expected a map")) << joined(errors);
  EXPECT_TRUE(has(errors, "plugins[0].config.rules[0] (p.yaml:4): expected a map")) << joined(errors);
  auto notAMap = errorsOf("[1, 2]");
  ASSERT_EQ(notAMap.size(), 1u);
  EXPECT_EQ(notAMap[0], "plugins[0].config (p.yaml:1): expected a map");
}

namespace {
// finish() derives, check() compares keys; both see the bound values.
struct Window {
  int min = 1;
  int max = 10;
  std::string url = "https://x/";
  static void describe(cc::ConfigReader& r, Window& w) {
    r.integer("min", 0, 100, w.min).integer("max", 0, 100, w.max).string("url", w.url);
  }
  static void finish(Window& w) {
    while (!w.url.empty() && w.url.back() == '/') w.url.pop_back();
  }
  static void check(const Window& w, const cc::ConfigNode& config, cc::ConfigErrors& errors) {
    if (w.max < w.min) errors.add(config["max"], "must not be below min (" + std::to_string(w.min) + ")");
  }
};
}  // namespace

TEST(ConfigReader, FinishAndCheckHooks) {
  cc::ConfigErrors errors;
  Window w = cc::loadConfig<Window>(node("min: 5\nmax: 2\nurl: https://a//"), errors);
  ASSERT_EQ(errors.list().size(), 1u) << errors.joined();
  EXPECT_EQ(errors.list()[0], "plugins[0].config.max (p.yaml:2): must not be below min (5)");
  EXPECT_EQ(w.url, "https://a");
  EXPECT_THROW(cc::loadConfig<Window>(node("min: 5\nmax: 2")), cc::ConfigError);
  EXPECT_EQ(cc::loadConfig<Window>(node("max: 20")).max, 20);
}

TEST(ConfigReader, CustomValuesAndSectionChecks) {
  std::optional<std::int64_t> limit = 5;
  cc::ConfigReader r(node("limit: unlimited\nother: 1\n"));
  bool checked = false;
  r.value("limit",
          [&limit](const cc::ConfigNode& n, cc::ConfigErrors&) {
            if (n.asString() == "unlimited") limit.reset();
            else limit = n.asInt();
          })
      .known("other")
      .check([&checked](const cc::ConfigNode& n, cc::ConfigErrors&) { checked = n.has("other"); });
  cc::ConfigErrors errors;
  EXPECT_TRUE(r.apply(errors)) << errors.joined();
  EXPECT_FALSE(limit.has_value());
  EXPECT_TRUE(checked);
}
