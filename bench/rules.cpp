// Rule engine at scale: for 100, 10k and 1M synthetic rules and a 1M-domain host list, the
// build time, resident memory per rule and per domain, lookup latency percentiles for hits
// and misses, and the peak memory while a reload builds the next index beside the current
// one. Prints figures as benchmark counters; asserts nothing about timing.
//
// Memory is read from /proc/self/statm (resident now) and VmHWM in /proc/self/status (peak
// resident), the peak reset by writing 5 to /proc/self/clear_refs before each reload.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "rules/domain_list.hpp"
#include "rules/rule_catalog.hpp"
#include "rules/rule_index.hpp"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

// A reload re-parses one file; files hold at most this many rules (kMaxRulesPerFile).
constexpr std::size_t kRulesPerFile = 100'000;
constexpr std::size_t kLookups = 100'000;
constexpr std::size_t kWarmSet = 1000;
constexpr std::size_t kListDomains = 1'000'000;

std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size = 0;
    std::size_t resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t peak_resident_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmHWM:")) {
            return std::stoull(line.substr(6)) * 1024;
        }
    }
    return 0;
}

void reset_peak() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

// Freed memory goes back to the kernel, so resident figures show what is still in use.
std::size_t settled_resident_bytes() {
    ::malloc_trim(0);
    return resident_bytes();
}

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Percentiles {
    double p50 = 0;
    double p99 = 0;
};

// Times each call individually: the distribution, not the mean, is what a packet sees.
template <typename Lookup>
Percentiles time_each(std::size_t count, Lookup lookup) {
    std::vector<double> nanoseconds(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto start = Clock::now();
        benchmark::DoNotOptimize(lookup(i));
        nanoseconds[i] = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    }
    auto at = [&](double fraction) {
        auto nth = nanoseconds.begin() +
                   static_cast<std::ptrdiff_t>(fraction * static_cast<double>(count - 1));
        std::nth_element(nanoseconds.begin(), nth, nanoseconds.end());
        return *nth;
    };
    return {at(0.50), at(0.99)};
}

// What the machine itself costs: chains of kFloorReads dependent reads at random places in a
// buffer as big as the rules and their index (pages touched beforehand), timed like a lookup.
// A lookup that misses the cache reads about as many lines. On a VM with shadow paging this
// floor alone can have a p99 of microseconds, so the lookup p99 is read beside it.
constexpr std::size_t kFloorReads = 8;

Percentiles memory_floor(std::size_t bytes) {
    const std::size_t words = std::max<std::size_t>(bytes / sizeof(std::uint64_t), 1024);
    std::vector<std::uint64_t> memory(words);
    std::mt19937_64 random(5);
    for (auto& word : memory) {
        word = random();
    }
    std::uint64_t at = 0;
    return time_each(kLookups, [&](std::size_t) {
        for (std::size_t read = 0; read < kFloorReads; ++read) {
            at = memory[(at ^ random()) % words];
        }
        return at;
    });
}

// Times lookups of connections that must find a rule and of ones that must not, counting
// wrong answers, and reports both as counters.
void time_hits_and_misses(benchmark::State& state, const RuleIndex& index,
                          const std::vector<Connection>& hits,
                          const std::vector<Connection>& misses) {
    const auto now = std::chrono::system_clock::now();
    std::size_t wrong = 0;
    const auto hit = time_each(hits.size(), [&](std::size_t i) {
        const Rule* rule = index.match(hits[i], now);
        wrong += rule == nullptr ? 1 : 0;
        return rule;
    });
    const auto miss = time_each(misses.size(), [&](std::size_t i) {
        const Rule* rule = index.match(misses[i], now);
        wrong += rule == nullptr ? 0 : 1;
        return rule;
    });
    state.counters["hit_p50_ns"] = hit.p50;
    state.counters["hit_p99_ns"] = hit.p99;
    state.counters["miss_p50_ns"] = miss.p50;
    state.counters["miss_p99_ns"] = miss.p99;
    state.counters["wrong_answers"] = static_cast<double>(wrong);
}

// Rule `i` of a synthetic set: a mix of what real rule sets name, each rule selective on
// something of its own (an exe, a host, a prefix, a glob directory, a package, a uid).
Rule synthetic_rule(std::size_t i) {
    Rule rule;
    rule.id = "r" + std::to_string(i);
    rule.action = i % 3 == 0 ? Action::kDeny : Action::kAllow;
    rule.priority = i % 7 == 0 ? 1 : 0;
    rule.source = RuleSource{"bench.yaml", static_cast<int>(i + 2), 5};
    const auto n = std::to_string(i);
    switch (i % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
            rule.process = Glob::parse("/opt/app" + n + "/bin/app" + n);
            rule.protocols = {Protocol::kTcp};
            rule.ports = {PortRange{443, 443}};
            break;
        case 4:
            rule.hosts = {HostPattern{"h" + n + ".example.com", false}};
            rule.ports = {PortRange{443, 443}};
            break;
        case 5:
            rule.hosts = {HostPattern{"s" + n + ".example.net", true}};
            break;
        case 6: {
            const auto address =
                IpAddress::from_v4_host_order(0x0a000000u + static_cast<std::uint32_t>(i));
            rule.ips = {IpPrefix{address, 128}};
            break;
        }
        case 7:
            rule.process = Glob::parse("/opt/glob" + n + "/*/run");
            break;
        case 8:
            rule.package = "pkg" + n;
            break;
        default:
            rule.users = {NameOrId{"", static_cast<std::uint32_t>(100'000 + i)}};
            rule.local_ports = {PortRange{22, 22}};
            rule.direction = RuleDirection::kIn;
            break;
    }
    return rule;
}

// Everything a real connection carries, none of it named by any synthetic rule, and each
// connection different so that misses are as cold as hits.
Connection unrelated_connection(std::size_t i) {
    const auto n = std::to_string(i);
    Connection connection;
    connection.protocol = Protocol::kTcp;
    connection.remote_address =
        IpAddress::from_v4_host_order(0xcb000000u + static_cast<std::uint32_t>(i & 0xffffff));
    connection.local_address = IpAddress::from_v4_host_order(0xc0a80002u);
    connection.remote_port = 8443;
    connection.local_port = static_cast<std::uint16_t>(40000 + i % 20000);
    connection.interface = "eth0";
    connection.uid = 1000;
    connection.gid = 1000;
    connection.user_name = "alice";
    connection.group_name = "alice";
    connection.pid = static_cast<std::uint32_t>(5000 + i % 1000);
    connection.exe = "/usr/lib/unrelated" + n + "/bin/tool" + n;
    connection.package = "unrelated" + n + ":amd64";
    connection.host_names = {"cdn" + n + ".unrelated" + n + ".invalid"};
    return connection;
}

// A connection rule `i` matches.
Connection hitting_connection(std::size_t i) {
    Connection connection = unrelated_connection(i);
    const auto n = std::to_string(i);
    switch (i % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
            connection.exe = "/opt/app" + n + "/bin/app" + n;
            connection.remote_port = 443;
            break;
        case 4:
            connection.host_names = {"h" + n + ".example.com"};
            connection.remote_port = 443;
            break;
        case 5:
            connection.host_names = {"www.s" + n + ".example.net"};
            break;
        case 6:
            connection.remote_address =
                IpAddress::from_v4_host_order(0x0a000000u + static_cast<std::uint32_t>(i));
            break;
        case 7:
            connection.exe = "/opt/glob" + n + "/v2/run";
            break;
        case 8:
            connection.package = "pkg" + n + ":amd64";
            break;
        default:
            connection.direction = Direction::kIn;
            connection.uid = static_cast<std::uint32_t>(100'000 + i);
            connection.local_port = 22;
            break;
    }
    return connection;
}

// Rules [first, last) as one file's group; `comment` tells an edited version apart.
SharedRules synthetic_group(std::size_t first, std::size_t last, const std::string& comment) {
    std::vector<Rule> rules;
    rules.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) {
        rules.push_back(synthetic_rule(i));
        rules.back().comment = comment;
    }
    return std::make_shared<const std::vector<Rule>>(std::move(rules));
}

// The rules in file-sized groups, as RuleCatalog hands them to RuleIndex.
std::vector<SharedRules> synthetic_groups(std::size_t count) {
    std::vector<SharedRules> groups;
    for (std::size_t first = 0; first < count; first += kRulesPerFile) {
        groups.push_back(synthetic_group(first, std::min(count, first + kRulesPerFile), ""));
    }
    return groups;
}

void rule_index_at_scale(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        const auto before_rules = settled_resident_bytes();
        auto groups = synthetic_groups(count);
        const auto before_index = settled_resident_bytes();
        const auto build_start = Clock::now();
        auto index = std::make_shared<const RuleIndex>(groups);
        const double build_ms = milliseconds_since(build_start);
        const auto steady = settled_resident_bytes();

        const auto now = std::chrono::system_clock::now();
        std::mt19937_64 random(1);
        std::vector<Connection> hits;
        std::vector<Connection> misses;
        hits.reserve(kLookups);
        misses.reserve(kLookups);
        for (std::size_t i = 0; i < kLookups; ++i) {
            hits.push_back(hitting_connection(random() % count));
            misses.push_back(unrelated_connection(i));
        }
        time_hits_and_misses(state, *index, hits, misses);
        const auto floor = memory_floor(steady - before_rules);
        state.counters["floor_p50_ns"] = floor.p50;
        state.counters["floor_p99_ns"] = floor.p99;
        state.counters["hit_p99_vs_floor"] = state.counters["hit_p99_ns"] / floor.p99;
        // Real traffic keeps returning to the same programs and hosts: hits cycling through a
        // working set of 1000 rules find their tables and rules in cache.
        const auto warm = time_each(
            kLookups, [&](std::size_t i) { return index->match(hits[i % kWarmSet], now); });
        hits = {};
        misses = {};

        // A reload after one file changed: that file parsed anew (here: generated), the
        // others shared, and the next index built while the current one still serves.
        const auto before_reload = settled_resident_bytes();
        reset_peak();
        const auto reload_start = Clock::now();
        auto next_groups = groups;
        const auto edited_first = (groups.size() - 1) * kRulesPerFile;
        next_groups.back() = synthetic_group(edited_first, count, "edited");
        auto next = std::make_shared<const RuleIndex>(next_groups);
        const double reload_ms = milliseconds_since(reload_start);
        const auto reload_peak = std::max(peak_resident_bytes(), resident_bytes());
        index = std::move(next);
        groups = std::move(next_groups);

        const auto per_rule = [count](std::size_t bytes) {
            return static_cast<double>(bytes) / static_cast<double>(count);
        };
        state.counters["build_ms"] = build_ms;
        state.counters["rule_B_per_rule"] = per_rule(before_index - before_rules);
        state.counters["index_B_per_rule"] = per_rule(steady - before_index);
        state.counters["unkeyed_rules"] = static_cast<double>(index->unkeyed_size());
        state.counters["warm_hit_p50_ns"] = warm.p50;
        state.counters["warm_hit_p99_ns"] = warm.p99;
        state.counters["reload_ms"] = reload_ms;
        state.counters["steady_MB"] = static_cast<double>(before_reload) / 1e6;
        state.counters["reload_peak_MB"] = static_cast<double>(reload_peak) / 1e6;
        state.counters["reload_peak_x"] =
            static_cast<double>(reload_peak) / static_cast<double>(before_reload);
    }
}

// A block list the size of the big public ones: mostly exact names of 10 to 40 characters,
// some "*.suffix" entries.
std::string host_list_text(std::size_t count, std::uint64_t seed) {
    static constexpr std::array<std::string_view, 8> kTlds = {".com",  ".net",   ".org", ".io",
                                                              ".info", ".co.uk", ".de",  ".xyz"};
    std::mt19937_64 random(seed);
    std::string text;
    text.reserve(count * 28);
    for (std::size_t i = 0; i < count; ++i) {
        if (i % 20 == 0) {
            text += "*.";
        }
        std::string label;
        const auto length = 4 + random() % 14;
        for (std::size_t c = 0; c < length; ++c) {
            label.push_back(static_cast<char>('a' + random() % 26));
        }
        text += (i % 3 == 0 ? "ads-" : "") + label + std::to_string(i % 1000) + "." +
                (i % 4 == 0 ? "track." : "") + "site" + std::to_string(i % 5000) +
                std::string(kTlds[i % kTlds.size()]) + "\n";
    }
    return text;
}

std::vector<std::string> list_names(const std::string& text) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        names.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return names;
}

void host_list_at_scale(benchmark::State& state) {
    for (auto _ : state) {
        auto text = std::make_unique<std::string>(host_list_text(kListDomains, 7));
        const double text_bytes = static_cast<double>(text->size()) / kListDomains;
        std::mt19937_64 random(3);
        std::vector<Connection> hits(kLookups);
        std::vector<Connection> misses(kLookups);
        {
            const auto names = list_names(*text);
            for (std::size_t i = 0; i < kLookups; ++i) {
                auto name = names[random() % names.size()];
                if (name.starts_with("*.")) {
                    name = "cdn." + name.substr(2);
                }
                hits[i].host_names = {name};
                misses[i].host_names = {"www.unlisted" + std::to_string(i) + ".example.org"};
            }
        }
        const auto build_start = Clock::now();
        Diagnostics diagnostics;
        auto list = std::make_shared<const DomainList>(
            parse_domain_list(*text, "/bench/hosts.txt", diagnostics));
        const double build_ms = milliseconds_since(build_start);
        text.reset();

        Rule rule;
        rule.id = "block-list";
        rule.action = Action::kDeny;
        rule.host_list_path = "/bench/hosts.txt";
        rule.host_list = list;
        auto index = std::make_unique<const RuleIndex>(std::vector<Rule>{rule});
        rule = {};
        time_hits_and_misses(state, *index, hits, misses);
        hits = {};
        misses = {};

        // The list file changed: read and parsed while the current list still serves.
        const auto steady = settled_resident_bytes();
        reset_peak();
        const auto reload_start = Clock::now();
        {
            const std::string changed = host_list_text(kListDomains, 8);
            Diagnostics reload_diagnostics;
            auto next = std::make_shared<const DomainList>(
                parse_domain_list(changed, "/bench/hosts.txt", reload_diagnostics));
            benchmark::DoNotOptimize(next);
        }
        const double reload_ms = milliseconds_since(reload_start);
        const auto reload_peak = peak_resident_bytes();

        const auto domains = list->size();
        index.reset();
        list.reset();
        const auto without_list = settled_resident_bytes();

        state.counters["domains"] = static_cast<double>(domains);
        state.counters["diagnostics"] = static_cast<double>(diagnostics.size());
        state.counters["file_B_per_domain"] = text_bytes;
        state.counters["build_ms"] = build_ms;
        state.counters["B_per_domain"] =
            static_cast<double>(steady - without_list) / static_cast<double>(domains);
        state.counters["reload_ms"] = reload_ms;
        state.counters["steady_MB"] = static_cast<double>(steady) / 1e6;
        state.counters["reload_peak_MB"] = static_cast<double>(reload_peak) / 1e6;
        state.counters["reload_peak_x"] =
            static_cast<double>(reload_peak) / static_cast<double>(steady);
    }
}

// What the daemon does on a reload: RuleCatalog over real files (10 files of 1000 rules),
// one file edited, then a new RuleIndex from the catalog's groups.
void catalog_reload_from_files(benchmark::State& state) {
    namespace fs = std::filesystem;
    const auto dir =
        fs::temp_directory_path() / ("sluice-bench-rules-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto write_file = [&](std::size_t file, const std::string& comment) {
        std::ofstream out(dir / ("rules-" + std::to_string(file) + ".yaml"));
        out << "rules:\n";
        for (std::size_t i = file * 1000; i < (file + 1) * 1000; ++i) {
            out << "  - {id: r" << i << ", action: allow, process: /opt/app" << i << "/bin/app" << i
                << ", port: 443, comment: \"" << comment << "\"}\n";
        }
    };
    for (std::size_t file = 0; file < 10; ++file) {
        write_file(file, "first");
    }
    for (auto _ : state) {
        RuleCatalog catalog;
        const auto load_start = Clock::now();
        const auto first = catalog.load({dir.string()}, "");
        auto index = std::make_shared<const RuleIndex>(catalog.groups());
        const double load_ms = milliseconds_since(load_start);

        write_file(3, "edited");
        const auto steady = settled_resident_bytes();
        reset_peak();
        const auto reload_start = Clock::now();
        const auto second = catalog.load({dir.string()}, "");
        auto next = std::make_shared<const RuleIndex>(catalog.groups());
        const double reload_ms = milliseconds_since(reload_start);
        const auto reload_peak = peak_resident_bytes();
        index = std::move(next);

        state.counters["rules"] = static_cast<double>(index->size());
        state.counters["diagnostics"] = static_cast<double>(first.size() + second.size());
        state.counters["load_ms"] = load_ms;
        state.counters["reload_one_file_ms"] = reload_ms;
        state.counters["reload_peak_x"] =
            static_cast<double>(reload_peak) / static_cast<double>(steady);
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace sluice

BENCHMARK(sluice::rule_index_at_scale)
    ->Arg(100)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(sluice::host_list_at_scale)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(sluice::catalog_reload_from_files)->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
