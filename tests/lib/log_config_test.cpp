// SPDX-License-Identifier: MIT
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "svkit/log_config.hpp"

using svkit::parse_log_config;

TEST_CASE("log config defaults and the numeric settings", "[svlogd][unit]") {
  auto d = parse_log_config("");
  CHECK(d.size_max == 1000000);
  CHECK(d.keep_max == 10);
  CHECK(d.keep_min == 10);
  CHECK(d.rotate_secs == 0);
  CHECK(d.udp_port == 0);
  auto c = parse_log_config("# comment\n\ns4096\nn5\nN2\nt30\n");
  CHECK(c.size_max == 4096);
  CHECK(c.keep_max == 5);
  CHECK(c.keep_min == 2);
  CHECK(c.rotate_secs == 30);
  CHECK(parse_log_config("s2k\n").size_max == 2048);
  CHECK(parse_log_config("s3m\n").size_max == 3u * 1024 * 1024);
  CHECK(parse_log_config("s\n").size_max == 0);
  CHECK(parse_log_config("t2m\n").rotate_secs == 120);
  CHECK(parse_log_config("t1h\n").rotate_secs == 3600);
  CHECK(parse_log_config("s100").size_max == 100);     // no final newline
  CHECK(parse_log_config("s100\nn").keep_max == 10);   // a one-byte tail is ignored
}

TEST_CASE("log config strings, patterns and UDP", "[svlogd][unit]") {
  auto c = parse_log_config("!gzip -c\npapp: \n+*\n-*debug*\ne*fatal*\nE*x*\nu10.1.2.3:1234\n");
  CHECK(c.processor == "gzip -c");
  CHECK(c.prefix == "app: ");
  REQUIRE(c.rules.size() == 4);
  CHECK(c.rules[1] == "-*debug*");
  CHECK(c.udp_port == 1234);
  CHECK(c.udp_addr == htonl(0x0a010203));
  CHECK_FALSE(c.udp_only);
  auto u = parse_log_config("U127.0.0.1\n");
  CHECK(u.udp_only);
  CHECK(u.udp_port == 514);
  std::vector<svkit::ConfigWarning> w;
  auto bad = parse_log_config("ufoo\nu1.2.3.4:x\n!\np\n", &w);
  CHECK(bad.udp_port == 0);
  CHECK(bad.processor.empty());
  CHECK(bad.prefix.empty());
  REQUIRE(w.size() == 2);
  CHECK(w[0].what == "unable to scan ip address");
  CHECK(w[0].arg == "foo");
  CHECK(w[1].what == "unable to scan port number");
}
