#include "rules/rule_index.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

#include "rules/rule_buckets.hpp"
#include "rules/rule_matcher.hpp"

namespace sluice {

namespace {

// A rule whose ports expand to more than this many single ports is not filed by port: wide
// ranges ("1024-65535") would cost memory per port and select nothing.
constexpr std::size_t kMaxFiledPortsPerRule = 64;
// IPv4 addresses live in ::ffff:0:0/96, so every IPv4 prefix is at least this long.
constexpr std::uint8_t kMappedV4Bits = 96;
constexpr std::uint8_t kMaxPrefixBits = 128;
constexpr std::size_t kSha256HexDigits = 64;

std::string describe(const Rule& rule) {
    return "rule '" + rule.id + "' (" + rule.source.to_string() + ")";
}

// A prefix as a table key: its address with the host bits cleared, and its length.
struct PrefixKey {
    IpAddress::Bytes bytes{};
    std::uint8_t length = 0;

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the synthesized compare
    friend auto operator<=>(const PrefixKey&, const PrefixKey&) = default;
};

struct PrefixKeyHash {
    std::size_t operator()(const PrefixKey& key) const noexcept {
        const std::string_view bytes(reinterpret_cast<const char*>(key.bytes.data()),
                                     key.bytes.size());
        return std::hash<std::string_view>{}(bytes) ^ key.length;
    }
};

PrefixKey prefix_key(const IpAddress::Bytes& address, std::uint8_t length) {
    PrefixKey key{address, length};
    for (std::size_t i = 0; i < key.bytes.size(); ++i) {
        const int kept_bits = std::clamp(static_cast<int>(length) - static_cast<int>(i) * 8, 0, 8);
        key.bytes[i] &= static_cast<std::uint8_t>(0xff00u >> kept_bits);
    }
    return key;
}

// The directory before a process glob's first '*' ("/usr/lib/" for "/usr/lib/*/firefox"): a
// path the glob matches starts with it, so the lookup finds the glob by probing every
// directory prefix of the exe. Empty when the pattern has no '/' before its first '*'.
std::string_view glob_directory(std::string_view pattern) {
    const auto star = pattern.find('*');
    const auto slash =
        star == std::string_view::npos ? pattern.rfind('/') : pattern.rfind('/', star);
    return slash == std::string_view::npos ? std::string_view() : pattern.substr(0, slash + 1);
}

bool files_ports(const std::vector<PortRange>& ranges) {
    if (ranges.empty()) {
        return false;
    }
    std::size_t count = 0;
    for (const auto& range : ranges) {
        count += static_cast<std::size_t>(range.last - range.first) + 1;
    }
    return count <= kMaxFiledPortsPerRule;
}

template <typename List>
struct ListGroup {
    const List* list = nullptr;
    std::vector<std::uint32_t> rules;
};

template <typename List>
void add_to_list_group(std::vector<ListGroup<List>>& groups,
                       std::unordered_map<const List*, std::size_t>& positions, const List* list,
                       std::uint32_t ordinal) {
    const auto [found, inserted] = positions.emplace(list, groups.size());
    if (inserted) {
        groups.push_back(ListGroup<List>{list, {}});
    }
    groups[found->second].rules.push_back(ordinal);
}

}  // namespace

using TextBuckets = RuleBuckets<std::string_view>;
using NumberBuckets = RuleBuckets<std::uint32_t>;

struct CompiledRuleTables {
    NumberBuckets pids;
    TextBuckets sha256s;
    TextBuckets exes;
    TextBuckets exact_hosts;
    TextBuckets host_suffixes;
    RuleBuckets<PrefixKey, PrefixKeyHash> prefixes;
    std::vector<std::uint8_t> prefix_lengths;  // distinct lengths filed, longest first
    TextBuckets packages;
    TextBuckets process_directories;
    std::vector<ListGroup<DomainList>> host_lists;
    std::vector<ListGroup<IpList>> ip_lists;
    TextBuckets units;
    NumberBuckets user_ids;
    TextBuckets user_names;
    NumberBuckets group_ids;
    TextBuckets group_names;
    NumberBuckets local_ports;
    NumberBuckets remote_ports;
    TextBuckets interfaces;
    std::vector<std::uint32_t> unkeyed;

    // Calls visit(ordinal) for every rule that may match `connection`: a superset of the
    // matching rules, possibly with repeats.
    template <typename Visit>
    void for_each_candidate(const Connection& connection, Visit&& visit) const;
};

namespace {

// Collects the rules for each table, then builds every table at once.
class IndexCompiler {
  public:
    void add(const Rule& rule, std::uint32_t ordinal);
    std::unique_ptr<const CompiledRuleTables> build() &&;

  private:
    bool file_by_key(const Rule& rule, std::uint32_t ordinal);
    template <typename Key, typename Hash>
    static void file_ports(typename RuleBuckets<Key, Hash>::Builder& table,
                           const std::vector<PortRange>& ranges, std::uint32_t ordinal);

    NumberBuckets::Builder pids_;
    TextBuckets::Builder sha256s_;
    TextBuckets::Builder exes_;
    TextBuckets::Builder exact_hosts_;
    TextBuckets::Builder host_suffixes_;
    RuleBuckets<PrefixKey, PrefixKeyHash>::Builder prefixes_;
    std::array<bool, kMaxPrefixBits + 1> prefix_lengths_{};
    TextBuckets::Builder packages_;
    TextBuckets::Builder process_directories_;
    std::vector<ListGroup<DomainList>> host_lists_;
    std::unordered_map<const DomainList*, std::size_t> host_list_positions_;
    std::vector<ListGroup<IpList>> ip_lists_;
    std::unordered_map<const IpList*, std::size_t> ip_list_positions_;
    TextBuckets::Builder units_;
    NumberBuckets::Builder user_ids_;
    TextBuckets::Builder user_names_;
    NumberBuckets::Builder group_ids_;
    TextBuckets::Builder group_names_;
    NumberBuckets::Builder local_ports_;
    NumberBuckets::Builder remote_ports_;
    TextBuckets::Builder interfaces_;
    std::vector<std::uint32_t> unkeyed_;
};

void IndexCompiler::add(const Rule& rule, std::uint32_t ordinal) {
    if (!file_by_key(rule, ordinal)) {
        unkeyed_.push_back(ordinal);
    }
}

template <typename Key, typename Hash>
void IndexCompiler::file_ports(typename RuleBuckets<Key, Hash>::Builder& table,
                               const std::vector<PortRange>& ranges, std::uint32_t ordinal) {
    for (const auto& range : ranges) {
        for (std::uint32_t port = range.first; port <= range.last; ++port) {
            table.add(port, ordinal);
        }
    }
}

// Files the rule under the most selective field it names, the first that applies below. A
// rule that matches must match that field, so finding it there is enough. False when no field
// is selective enough.
bool IndexCompiler::file_by_key(const Rule& rule, std::uint32_t ordinal) {
    if (rule.pid) {
        pids_.add(*rule.pid, ordinal);
        return true;
    }
    if (!rule.sha256.empty()) {
        sha256s_.add(rule.sha256, ordinal);
        return true;
    }
    if (rule.process && !rule.process->has_wildcards()) {
        exes_.add(rule.process->pattern(), ordinal);
        return true;
    }
    if (!rule.hosts.empty()) {
        for (const auto& host : rule.hosts) {
            (host.subdomains_only ? host_suffixes_ : exact_hosts_).add(host.name, ordinal);
        }
        return true;
    }
    if (!rule.ips.empty() && std::all_of(rule.ips.begin(), rule.ips.end(), [](const auto& ip) {
            return ip.length <= kMaxPrefixBits;
        })) {
        for (const auto& prefix : rule.ips) {
            prefixes_.add(prefix_key(prefix.address.bytes(), prefix.length), ordinal);
            prefix_lengths_[prefix.length] = true;
        }
        return true;
    }
    if (!rule.package.empty()) {
        packages_.add(rule.package, ordinal);
        return true;
    }
    if (rule.process && !glob_directory(rule.process->pattern()).empty()) {
        process_directories_.add(glob_directory(rule.process->pattern()), ordinal);
        return true;
    }
    if (rule.host_list) {
        add_to_list_group(host_lists_, host_list_positions_, rule.host_list.get(), ordinal);
        return true;
    }
    if (rule.ip_list) {
        add_to_list_group(ip_lists_, ip_list_positions_, rule.ip_list.get(), ordinal);
        return true;
    }
    if (rule.unit && !rule.unit->has_wildcards()) {
        units_.add(rule.unit->pattern(), ordinal);
        return true;
    }
    if (!rule.users.empty() || !rule.groups.empty()) {
        const bool by_user = !rule.users.empty();
        for (const auto& account : by_user ? rule.users : rule.groups) {
            if (account.id) {
                (by_user ? user_ids_ : group_ids_).add(*account.id, ordinal);
            } else {
                (by_user ? user_names_ : group_names_).add(account.name, ordinal);
            }
        }
        return true;
    }
    if (files_ports(rule.local_ports)) {
        file_ports<std::uint32_t, std::hash<std::uint32_t>>(local_ports_, rule.local_ports,
                                                            ordinal);
        return true;
    }
    if (files_ports(rule.ports)) {
        file_ports<std::uint32_t, std::hash<std::uint32_t>>(remote_ports_, rule.ports, ordinal);
        return true;
    }
    if (!rule.interface.empty()) {
        interfaces_.add(rule.interface, ordinal);
        return true;
    }
    return false;
}

std::unique_ptr<const CompiledRuleTables> IndexCompiler::build() && {
    auto compiled = std::make_unique<CompiledRuleTables>();
    compiled->pids = std::move(pids_).build();
    compiled->sha256s = std::move(sha256s_).build();
    compiled->exes = std::move(exes_).build();
    compiled->exact_hosts = std::move(exact_hosts_).build();
    compiled->host_suffixes = std::move(host_suffixes_).build();
    compiled->prefixes = std::move(prefixes_).build();
    for (int length = kMaxPrefixBits; length >= 0; --length) {
        if (prefix_lengths_[static_cast<std::size_t>(length)]) {
            compiled->prefix_lengths.push_back(static_cast<std::uint8_t>(length));
        }
    }
    compiled->packages = std::move(packages_).build();
    compiled->process_directories = std::move(process_directories_).build();
    compiled->host_lists = std::move(host_lists_);
    compiled->ip_lists = std::move(ip_lists_);
    compiled->units = std::move(units_).build();
    compiled->user_ids = std::move(user_ids_).build();
    compiled->user_names = std::move(user_names_).build();
    compiled->group_ids = std::move(group_ids_).build();
    compiled->group_names = std::move(group_names_).build();
    compiled->local_ports = std::move(local_ports_).build();
    compiled->remote_ports = std::move(remote_ports_).build();
    compiled->interfaces = std::move(interfaces_).build();
    compiled->unkeyed = std::move(unkeyed_);
    return compiled;
}

template <typename Visit>
void visit_all(std::span<const std::uint32_t> ordinals, Visit& visit) {
    for (const auto ordinal : ordinals) {
        visit(ordinal);
    }
}

template <typename Visit>
void probe(const TextBuckets& table, std::string_view key, Visit& visit) {
    if (!table.empty() && !key.empty()) {
        visit_all(table.find(key), visit);
    }
}

template <typename Visit>
void probe(const NumberBuckets& table, const std::optional<std::uint32_t>& key, Visit& visit) {
    if (!table.empty() && key) {
        visit_all(table.find(*key), visit);
    }
}

}  // namespace

template <typename Visit>
void CompiledRuleTables::for_each_candidate(const Connection& connection, Visit&& visit) const {
    probe(pids, connection.pid, visit);
    if (!sha256s.empty() && connection.sha256.size() == kSha256HexDigits) {
        // Rules keep the digest in lower case; the matcher ignores case.
        std::array<char, kSha256HexDigits> lower{};
        std::transform(
            connection.sha256.begin(), connection.sha256.end(), lower.begin(),
            [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
        probe(sha256s, std::string_view(lower.data(), lower.size()), visit);
    }
    probe(exes, connection.exe, visit);
    for (const auto& name : connection.host_names) {
        probe(exact_hosts, name, visit);
        if (host_suffixes.empty()) {
            continue;
        }
        for (auto dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
            probe(host_suffixes, std::string_view(name).substr(dot + 1), visit);
        }
    }
    if (!prefixes.empty()) {
        const auto& address = connection.remote_address;
        for (const auto length : prefix_lengths) {
            // A prefix shorter than the mapped space is IPv6 and never matches IPv4.
            if (address.is_v4() && length < kMappedV4Bits) {
                break;
            }
            visit_all(prefixes.find(prefix_key(address.bytes(), length)), visit);
        }
    }
    if (!packages.empty() && !connection.package.empty()) {
        // "curl" matches "curl:amd64", so the package is also looked up without architecture.
        const std::string_view package = connection.package;
        probe(packages, package, visit);
        if (const auto colon = package.find(':'); colon != std::string_view::npos) {
            probe(packages, package.substr(0, colon), visit);
        }
    }
    if (!process_directories.empty()) {
        const std::string_view exe = connection.exe;
        for (auto slash = exe.find('/'); slash != std::string_view::npos;
             slash = exe.find('/', slash + 1)) {
            probe(process_directories, exe.substr(0, slash + 1), visit);
        }
    }
    for (const auto& group : host_lists) {
        const bool listed = std::any_of(
            connection.host_names.begin(), connection.host_names.end(),
            [&](const std::string& name) { return group.list->match(name).has_value(); });
        if (listed) {
            visit_all(group.rules, visit);
        }
    }
    for (const auto& group : ip_lists) {
        if (group.list->longest_match(connection.remote_address)) {
            visit_all(group.rules, visit);
        }
    }
    probe(units, connection.unit, visit);
    probe(user_ids, connection.uid, visit);
    probe(user_names, connection.user_name, visit);
    probe(group_ids, connection.gid, visit);
    probe(group_names, connection.group_name, visit);
    probe(local_ports, std::optional<std::uint32_t>(connection.local_port), visit);
    probe(remote_ports, std::optional<std::uint32_t>(connection.remote_port), visit);
    probe(interfaces, connection.interface, visit);
    visit_all(unkeyed, visit);
}

std::string MatchExplanation::to_string() const {
    if (rule == nullptr) {
        return "no rule matched";
    }
    std::string out = describe(*rule) + " decides with " + sluice::to_string(rank);
    if (runner_up != nullptr && runner_up_rank) {
        out += "; it beat " + describe(*runner_up) + " with " + sluice::to_string(*runner_up_rank);
    }
    return out + "; " + std::to_string(matching_rules) +
           (matching_rules == 1 ? " rule matched" : " rules matched");
}

RuleIndex::RuleIndex(std::vector<Rule> rules)
    : RuleIndex(
          std::vector<SharedRules>{std::make_shared<const std::vector<Rule>>(std::move(rules))}) {}

RuleIndex::RuleIndex(std::vector<SharedRules> groups) : groups_(std::move(groups)) {
    std::erase(groups_, nullptr);
    std::size_t total = 0;
    for (const auto& group : groups_) {
        total += group->size();
    }
    ordered_.reserve(total);
    IndexCompiler compiler;
    for (const auto& group : groups_) {
        for (const auto& rule : *group) {
            compiler.add(rule, static_cast<std::uint32_t>(ordered_.size()));
            ordered_.push_back(&rule);
            names_exe_identity_ =
                names_exe_identity_ || !rule.sha256.empty() || !rule.package.empty();
        }
    }
    compiled_ = std::move(compiler).build();
}

RuleIndex::~RuleIndex() = default;
RuleIndex::RuleIndex(RuleIndex&&) noexcept = default;
RuleIndex& RuleIndex::operator=(RuleIndex&&) noexcept = default;

std::size_t RuleIndex::unkeyed_size() const {
    return compiled_->unkeyed.size();
}

const Rule* RuleIndex::match(const Connection& connection, TimePoint now) const {
    const Rule* best = nullptr;
    MatchRank best_rank;
    std::uint32_t best_ordinal = 0;
    compiled_->for_each_candidate(connection, [&](std::uint32_t ordinal) {
        const Rule& rule = *ordered_[ordinal];
        const auto rank = rank_match(rule, connection, now);
        // On a tie the rule loaded first decides.
        if (rank && (best == nullptr || *rank > best_rank ||
                     (*rank == best_rank && ordinal < best_ordinal))) {
            best = &rule;
            best_rank = *rank;
            best_ordinal = ordinal;
        }
    });
    return best;
}

std::optional<MatchExplanation> RuleIndex::explain(const Connection& connection,
                                                   TimePoint now) const {
    std::vector<std::uint32_t> candidates;
    compiled_->for_each_candidate(connection,
                                  [&](std::uint32_t ordinal) { candidates.push_back(ordinal); });
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

    // In load order, exactly as if every rule were ranked: the runner-up is the best of the
    // rest, ties again to the rule loaded first.
    MatchExplanation explanation;
    for (const auto ordinal : candidates) {
        const Rule& rule = *ordered_[ordinal];
        const auto rank = rank_match(rule, connection, now);
        if (!rank) {
            continue;
        }
        ++explanation.matching_rules;
        if (explanation.rule == nullptr || *rank > explanation.rank) {
            explanation.runner_up = explanation.rule;
            if (explanation.rule != nullptr) {
                explanation.runner_up_rank = explanation.rank;
            }
            explanation.rule = &rule;
            explanation.rank = *rank;
        } else if (!explanation.runner_up_rank || *rank > *explanation.runner_up_rank) {
            explanation.runner_up = &rule;
            explanation.runner_up_rank = *rank;
        }
    }
    if (explanation.rule == nullptr) {
        return std::nullopt;
    }
    return explanation;
}

}  // namespace sluice
