// SPDX-License-Identifier: MIT
// svstat's measures and Prometheus output against real supervisors: --json -m measures a
// service's tree, --prometheus passes `promtool check metrics`, -o replaces its file
// atomically, and the real node_exporter (textfile collector, on loopback) serves the
// right values for an up, a down and a restarted service.
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <regex>

#include "clients_fixture.hpp"

using namespace clients;

namespace {

const char* const kPromtool = "/usr/bin/promtool";
const char* const kNodeExporter = "/usr/bin/prometheus-node-exporter";

bool require_prometheus_tool(const char* path) {
  return svkit::test::require(have(path), std::string(path) + " (Debian package " +
                                              (std::string(path) == kPromtool
                                                   ? "prometheus"
                                                   : "prometheus-node-exporter") + ")");
}

// The value of one sample line "NAME{LABELS} VALUE" in TEXT; "" when absent.
std::string sample(const std::string& text, const std::string& series) {
  for (const auto& line : split_lines(text))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return line.substr(series.size() + 1);
  return "";
}

// A JSON field's raw value in a one-line object (harness.hpp).
std::string field(const std::string& json, const std::string& key) { return json_field(json, key); }

Result promtool_check(const std::string& text) {
  RunOptions o;
  o.input = text;
  return run(kPromtool, {"check", "metrics"}, o);
}

// A free loopback TCP port (the kernel's choice, released again for the server).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// A plain HTTP/1.0 GET of PATH from 127.0.0.1:PORT: the body of a 200 answer, or nullopt.
std::optional<std::string> http_get(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) return std::nullopt;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  auto body = reply.find("\r\n\r\n");
  if (reply.compare(0, 12, "HTTP/1.0 200") != 0 && reply.compare(0, 12, "HTTP/1.1 200") != 0)
    return std::nullopt;
  if (body == std::string::npos) return std::nullopt;
  return reply.substr(body + 4);
}

// Several services under one temp directory, each with its own svkit supervise.
struct Fleet {
  TempDir tmp;
  std::vector<std::unique_ptr<Tool>> sups;

  fs::path add(const std::string& name, const std::string& body, bool down = false) {
    fs::path d = tmp / name;
    make_dirs(d);
    write_script(d / "run", body);
    if (down) write_file(d / "down", "");
    return d;
  }
  void supervise(const fs::path& d) {
    sups.push_back(std::make_unique<Tool>(bin("supervise"), std::vector<std::string>{d.string()}));
  }
  std::string json(const fs::path& d, bool measure = false) const {
    std::vector<std::string> args = {"--json"};
    if (measure) args.push_back("-m");
    args.push_back(d.string());
    return run("svstat", args).out;
  }
};

}  // namespace

TEST_CASE("svstat --json measures a watched service, others only with -m",
          "[metrics][svstat][e2e]") {
  // runit's runsv is the service's parent and writes no svkit-status: a hand-written one
  // names runsv as the supervisor, so the measure does not depend on svkit's supervise.
  std::string runsv = runit("runsv");
  REQUIRE_ANCHOR(runsv);
  Rig rig("sleep 60 &\nexec sleep 61\n", true);
  REQUIRE(rig.start(runsv));
  write_file(rig.dir / "log/supervise/svkit-status", "phase up\n");
  std::string d = rig.dir.string();
  REQUIRE(eventually(5s, [&] { return comm_of(pid_of(rig.dir)) == "sleep"; }));
  std::string sup = std::to_string(rig.sup->pid());
  write_file(rig.dir / "supervise/svkit-status", "phase up\nsupervisor " + sup +
                                                    "\nmemory_limit -\ncpu_limit -\n"
                                                    "watchdog_interval -\nwatchdog_trip -\n");
  auto plain = run("svstat", {"--json", d});
  CHECK(plain.code == 0);
  CHECK(field(plain.out, "memory_bytes") == "null");
  CHECK(field(plain.out, "cpu_seconds") == "null");
  CHECK(field(plain.out, "processes") == "null");
  CHECK(field(plain.out, "watchdog") ==
        "{\"memory_limit\":null,\"cpu_limit\":null,\"interval_ms\":null,\"last_trip\":null}");
  auto measured = run("svstat", {"-m", "--json", d}).out;
  CHECK(field(measured, "processes") == "2");  // the run script's two sleeps
  // The logger (runsv's child too) is measured on its own, not in the service's figures.
  auto log_part = measured.substr(measured.find("\"log\":{"));
  CHECK(field(log_part, "processes") == "1");
  CHECK(std::stoull(field(log_part, "memory_bytes")) > 0);
  CHECK(field(plain.out.substr(plain.out.find("\"log\":{")), "processes") == "null");
  CHECK(std::stoull(field(measured, "memory_bytes")) > 100 * 1024);
  CHECK(std::stod(field(measured, "cpu_seconds")) >= 0);
  CHECK(std::regex_match(field(measured, "cpu_seconds"), std::regex("[0-9]+\\.[0-9]{3}")));
  // Watched (a limit in force): measured without -m.
  write_file(rig.dir / "supervise/svkit-status",
             "phase up\nsupervisor " + sup + "\nmemory_limit 268435456\ncpu_limit 80 10\n"
             "watchdog_interval 1000\nwatchdog_trip 1764088000.500 memory 300M > 256M\n");
  auto watched = run("svstat", {"--json", d}).out;
  CHECK(field(watched, "processes") == "2");
  CHECK(field(watched, "watchdog") ==
        "{\"memory_limit\":268435456,\"cpu_limit\":{\"percent\":80,\"seconds\":10},"
        "\"interval_ms\":1000,\"last_trip\":{\"time\":1764088000.500,"
        "\"reason\":\"memory 300M > 256M\"}}");
  // The text line stays daemontools', whatever is measured.
  CHECK(normalize(run("svstat", {"-m", d}).out) ==
        d + ": up (pid " + std::to_string(pid_of(rig.dir)) + ") N seconds\n");
  // A supervisor pid that is gone: not measured (null), still reported.
  write_file(rig.dir / "supervise/svkit-status", "phase up\nsupervisor 4194304\n");
  auto gone = run("svstat", {"-m", "--json", d});
  CHECK(gone.code == 0);
  CHECK(field(gone.out, "processes") == "null");
  // runsv itself writes no svkit-status: nothing to measure by, watchdog null.
  ::unlink((rig.dir / "supervise/svkit-status").c_str());
  auto none = run("svstat", {"-m", "--json", d}).out;
  CHECK(field(none, "processes") == "null");
  CHECK(field(none, "watchdog") == "null");
}

TEST_CASE("svstat --prometheus: up, down and logged services pass promtool",
          "[metrics][svstat][prometheus][e2e]") {
  if (!require_prometheus_tool(kPromtool)) return;
  Fleet f;
  auto web = f.add("web", "exec sleep 60\n");
  make_dirs(web / "log");
  write_script(web / "log/run", "exec cat >/dev/null\n");
  auto db = f.add("db", "exec sleep 60\n", true);
  f.supervise(web);  // and its logger
  f.supervise(db);
  REQUIRE(eventually(10s, [&] {
    return is_up(web) && is_up(web / "log") && status_of(db).has_value() &&
           field(f.json(web), "restarts") == "0";
  }));
  auto r = run("svstat", {"--prometheus", web.string(), db.string(), (f.tmp / "nope").string()});
  CHECK(r.code == 1);  // nope: not reported
  CHECK(r.err.empty());
  INFO(r.out);
  auto check = promtool_check(r.out);
  CHECK(check.code == 0);
  CHECK(check.out == "");
  CHECK(check.err == "");
  CHECK(sample(r.out, "svkit_service_up{service=\"web\"}") == "1");
  CHECK(sample(r.out, "svkit_service_up{service=\"web\",log=\"1\"}") == "1");
  CHECK(sample(r.out, "svkit_service_up{service=\"db\"}") == "0");
  CHECK(sample(r.out, "svkit_service_up{service=\"nope\"}") == "0");
  CHECK(sample(r.out, "svkit_service_normally_up{service=\"web\"}") == "1");
  CHECK(sample(r.out, "svkit_service_normally_up{service=\"db\"}") == "0");
  CHECK(sample(r.out, "svkit_service_want_up{service=\"db\"}") == "0");
  CHECK(sample(r.out, "svkit_service_restarts_total{service=\"web\"}") == "0");
  CHECK(sample(r.out, "svkit_service_paused{service=\"web\"}") == "0");
  CHECK_FALSE(sample(r.out, "svkit_service_state_seconds{service=\"web\"}").empty());
  // Not watched, not asked: nothing measured, and the families are left out entirely.
  CHECK(r.out.find("svkit_service_memory_bytes") == std::string::npos);
  CHECK(r.out.find("svkit_service_ready") == std::string::npos);  // no readiness here
  // Each family's HELP and TYPE exactly once, before its samples.
  for (const char* fam : {"svkit_service_up", "svkit_service_normally_up"}) {
    std::string help = std::string("# HELP ") + fam + " ";
    CHECK(r.out.find(help) != std::string::npos);
    CHECK(r.out.find(help) == r.out.rfind(help));
  }
  // -m: the trees are measured: the service's sleep and its logger's cat are both children
  // of its supervise, each counted on its own side.
  auto m = run("svstat", {"--prometheus", "-m", web.string(), db.string()});
  CHECK(m.code == 0);
  CHECK(promtool_check(m.out).code == 0);
  CHECK(sample(m.out, "svkit_service_processes{service=\"web\"}") == "1");
  CHECK(sample(m.out, "svkit_service_processes{service=\"web\",log=\"1\"}") == "1");
  CHECK(sample(m.out, "svkit_service_processes{service=\"db\"}") == "0");
  CHECK(std::stoull(sample(m.out, "svkit_service_memory_bytes{service=\"web\"}")) > 0);
  CHECK(sample(m.out, "svkit_service_memory_bytes{service=\"db\"}") == "0");
  CHECK_FALSE(sample(m.out, "svkit_service_cpu_seconds_total{service=\"web\"}").empty());
  // The same name twice would be one series twice: the second is left out, counted.
  auto twice = run("svstat", {"--prometheus", web.string(), web.string() + "/"});
  CHECK(twice.code == 1);
  CHECK(twice.err == "svstat: warning: ignoring " + web.string() +
                         "/: a service named web was already reported\n");
  CHECK(promtool_check(twice.out).code == 0);
}

TEST_CASE("svstat --prometheus escapes label values, -o replaces its file atomically",
          "[metrics][svstat][prometheus][e2e]") {
  if (!require_prometheus_tool(kPromtool)) return;
  TempDir tmp;
  auto odd = tmp / "a\"b\\c";
  make_dirs(odd);
  auto r = run("svstat", {"--prometheus", odd.string()});
  CHECK(r.code == 1);
  CHECK(sample(r.out, "svkit_service_up{service=\"a\\\"b\\\\c\"}") == "0");
  CHECK(promtool_check(r.out).code == 0);
  // "." takes its name from the real directory.
  RunOptions in;
  in.cwd = odd.string();
  CHECK(sample(run("svstat", {"--prometheus", "."}, in).out,
               "svkit_service_up{service=\"a\\\"b\\\\c\"}") == "0");

  auto file = tmp / "svkit.prom";
  auto o = run("svstat", {"--prometheus", "-o", file.string(), odd.string()});
  CHECK(o.code == 1);
  CHECK(o.out.empty());
  CHECK(read_file(file) == r.out);
  struct stat st;
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);  // node_exporter runs as another user
  CHECK_FALSE(svkit::test::exists(tmp / "svkit.prom.new"));
  write_file(tmp / "svkit.prom.new", "left over by a crash");
  CHECK(run("svstat", {"--prometheus", "-o", file.string(), odd.string()}).code == 1);
  CHECK(read_file(file) == r.out);
  CHECK_FALSE(svkit::test::exists(tmp / "svkit.prom.new"));
  // A symlink planted at the temp name is replaced, never written through.
  REQUIRE(::symlink((tmp / "target").c_str(), (tmp / "svkit.prom.new").c_str()) == 0);
  CHECK(run("svstat", {"--prometheus", "-o", file.string(), odd.string()}).code == 1);
  CHECK(read_file(file) == r.out);
  CHECK_FALSE(svkit::test::exists(tmp / "target"));

  auto bad = run("svstat", {"--prometheus", "-o", (tmp / "no/such.prom").string(), odd.string()});
  CHECK(bad.code == 111);
  CHECK(bad.err == "svstat: fatal: unable to write " + (tmp / "no/such.prom").string() +
                       ": file does not exist\n");
  auto json_o = run("svstat", {"--json", "-o", file.string(), odd.string()});
  CHECK(json_o.code == 100);
  CHECK(json_o.err == "svstat: fatal: -o needs --prometheus\n");
  auto both = run("svstat", {"--json", "--prometheus", odd.string()});
  CHECK(both.code == 100);
  CHECK(both.err == "svstat: usage: svstat [-e] [-m] [--json | --prometheus [-o file]] dir ...\n");
  CHECK(run("svstat", {"--prometheus", "-o"}).code == 100);
  CHECK(run("svstat", {"--prometheus"}).out.empty());
}

TEST_CASE("node_exporter's textfile collector serves svstat's metrics",
          "[metrics][svstat][prometheus][node_exporter][e2e]") {
  if (!require_prometheus_tool(kNodeExporter)) return;
  Fleet f;
  auto web = f.add("web", "exec sleep 60\n");
  auto db = f.add("db", "exec sleep 60\n", true);
  // Crashes (exit 3) twice, then stays up: two restarts, last exit code 3.
  auto crash = f.add("crash",
                     "echo run >> count\n"
                     "[ \"$(wc -l < count)\" -ge 3 ] || exit 3\n"
                     "exec sleep 60\n");
  write_file(crash / "restart-backoff", "10 20\n");
  // Past its memory-limit: the watchdog stops it (TERM) and starts it again, over and over.
  auto hog = f.add("hog", "exec " + bin("hog") + " mem 48\n");
  write_file(hog / "memory-limit", "16M\n");
  write_file(hog / "watchdog-interval", "50\n");
  write_file(hog / "restart-backoff", "10 20\n");
  for (const auto& d : {web, db, crash, hog}) f.supervise(d);
  REQUIRE(eventually(10s, [&] {
    return is_up(web) && status_of(db).has_value() && is_up(crash) &&
           field(f.json(crash), "restarts") == "2" && field(f.json(web), "restarts") == "0";
  }));
  REQUIRE(eventually(10s, [&] {
    std::string j = f.json(hog);
    return j.find("\"last_trip\":{") != std::string::npos && field(j, "restarts") != "0";
  }));
  auto textdir = f.tmp / "textfile";
  make_dirs(textdir);
  auto prom = textdir / "svkit.prom";
  auto w = run("svstat", {"--prometheus", "-m", "-o", prom.string(), web.string(), db.string(),
                          crash.string(), hog.string()});
  REQUIRE(w.code == 0);

  int port = free_port();
  REQUIRE(port > 0);
  std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port);
  Tool exporter(kNodeExporter, {listen, "--collector.textfile.directory=" + textdir.string(),
                                "--collector.disable-defaults", "--collector.textfile"});
  std::optional<std::string> body;
  REQUIRE(eventually(15s, [&] {
    body = http_get(port, "/metrics");
    return body.has_value() || !exporter.running();
  }, 20ms));
  INFO(exporter.err());
  REQUIRE(body);
  INFO(*body);
  CHECK(sample(*body, "node_textfile_scrape_error") == "0");
  CHECK(sample(*body, "svkit_service_up{service=\"web\"}") == "1");
  CHECK(sample(*body, "svkit_service_up{service=\"db\"}") == "0");
  CHECK(sample(*body, "svkit_service_up{service=\"crash\"}") == "1");
  CHECK(sample(*body, "svkit_service_normally_up{service=\"db\"}") == "0");
  CHECK(sample(*body, "svkit_service_want_up{service=\"db\"}") == "0");
  CHECK(sample(*body, "svkit_service_want_up{service=\"web\"}") == "1");
  CHECK(sample(*body, "svkit_service_restarts_total{service=\"web\"}") == "0");
  CHECK(sample(*body, "svkit_service_restarts_total{service=\"crash\"}") == "2");
  CHECK(sample(*body, "svkit_service_last_exit_code{service=\"crash\"}") == "3");
  CHECK(sample(*body, "svkit_service_last_exit_code{service=\"web\"}") == "");  // never exited
  CHECK(sample(*body, "svkit_service_processes{service=\"web\"}") == "1");
  CHECK(sample(*body, "svkit_service_processes{service=\"db\"}") == "0");
  CHECK(sample(*body, "svkit_service_memory_bytes{service=\"db\"}") == "0");
  CHECK(std::stod(sample(*body, "svkit_service_memory_bytes{service=\"web\"}")) > 0);
  // The watchdog's restarts: counted, and the last run ended by its TERM (128 + 15).
  CHECK(std::stoi(sample(*body, "svkit_service_restarts_total{service=\"hog\"}")) >= 1);
  CHECK(sample(*body, "svkit_service_last_exit_code{service=\"hog\"}") == "143");
  CHECK(body->find("# TYPE svkit_service_restarts_total counter") != std::string::npos);

  // The file is replaced while node_exporter serves it: the next scrape has the new state.
  REQUIRE(run("svc", {"-d", web.string()}).code == 0);
  REQUIRE(eventually(5s, [&] { return is_down(web); }));
  REQUIRE(run("svstat", {"--prometheus", "-o", prom.string(), web.string(), db.string(),
                         crash.string()}).code == 0);
  body = http_get(port, "/metrics");
  REQUIRE(body);
  CHECK(sample(*body, "svkit_service_up{service=\"web\"}") == "0");
  CHECK(sample(*body, "svkit_service_want_up{service=\"web\"}") == "0");
  CHECK(sample(*body, "node_textfile_scrape_error") == "0");
  exporter.signal(SIGTERM);
  CHECK(exporter.wait_exit(5s).has_value());
}
