// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include "svkit/log_pattern.hpp"

using svkit::log_pattern_match;

TEST_CASE("log patterns follow runit's pmatch", "[svlogd][unit]") {
  struct Case { const char* pat; const char* line; bool match; };
  const Case cases[] = {
      {"", "", true},           {"", "a", false},          {"abc", "abc", true},
      {"abc", "abcd", false},   {"abc", "ab", false},      {"*", "", true},
      {"*", "anything", true},  {"a*", "abc", true},       {"*c", "abc", true},
      {"*c", "abcd", false},    {"*b*", "abc", true},      {"*b*", "ac", false},
      {"a*c", "abxc", true},    {"a*c", "abxcd", false},   {"* warn*", "x warn y", true},
      {"+a", "aaa", true},      {"+ab", "aab", true},      {"+ab", "b", false},
      {"x+ay", "xaaay", true},  {"x+ay", "xy", false},     {"+a", "", false},
      {"*:*", "key:value", true}, {"*:*", "novalue", false},
  };
  for (const auto& c : cases) {
    INFO("pattern '" << c.pat << "' line '" << c.line << "'");
    CHECK(log_pattern_match(c.pat, c.line) == c.match);
  }
}

TEST_CASE("log selection: the last matching rule wins", "[svlogd][unit]") {
  std::vector<std::string> rules = {"-*", "+*error*", "e*fatal*", "E*fatal: ok*"};
  auto s = svkit::log_select(rules, "an error here");
  CHECK(s.log);
  CHECK_FALSE(s.err);
  s = svkit::log_select(rules, "plain");
  CHECK_FALSE(s.log);
  s = svkit::log_select(rules, "x fatal y");
  CHECK_FALSE(s.log);
  CHECK(s.err);
  s = svkit::log_select(rules, "x fatal: ok");
  CHECK_FALSE(s.err);
  CHECK(svkit::log_select({}, "x").log);
  CHECK_FALSE(svkit::log_select({}, "x").err);
}
