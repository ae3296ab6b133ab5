#include "daemon/netfilter/firewall_setup.hpp"

#include <unistd.h>

#include <cstdlib>
#include <utility>
#include <vector>

namespace sluice {

namespace {

std::string iptables_program(FirewallTool tool, IpFamily family) {
    std::string program = family == IpFamily::kIpv4 ? "iptables" : "ip6tables";
    if (tool == FirewallTool::kIptablesLegacy) {
        program += "-legacy";
    }
    return program;
}

std::string restore_program(FirewallTool tool, IpFamily family) {
    return iptables_program(tool, family) + "-restore";
}

Command list_command(FirewallTool tool, IpFamily family) {
    return Command{{iptables_program(tool, family), "-w", "-S"}, {}};
}

Command restore_command(FirewallTool tool, IpFamily family, std::string script) {
    return Command{{restore_program(tool, family), "-w", "--noflush"}, std::move(script)};
}

const Command kNftablesList{{"nft", "list", "table", "inet", "sluice"}, {}};

Command nftables_load(std::string ruleset) {
    return Command{{"nft", "-f", "-"}, std::move(ruleset)};
}

// Multi-line tool messages as one log line.
std::string one_line(std::string_view text) {
    std::string joined;
    while (!text.empty()) {
        const auto end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) {
            continue;
        }
        line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        if (!joined.empty()) {
            joined += "; ";
        }
        joined += line;
    }
    return joined;
}

// Runs the command and turns a non-zero exit status into an Error naming it.
Result<CommandOutput> run_checked(CommandRunner& runner, const Command& command) {
    auto output = runner.run(command);
    if (!output) {
        return output.error();
    }
    if (output->exit_status != 0) {
        std::string message = one_line(output->standard_error);
        if (message.empty()) {
            message = "(no error output)";
        }
        return Error{"`" + command.to_string() + "` failed with exit status " +
                     std::to_string(output->exit_status) + ": " + message};
    }
    return output;
}

}  // namespace

std::string_view to_string(FirewallTool tool) {
    switch (tool) {
        case FirewallTool::kIptables:
            return "iptables";
        case FirewallTool::kIptablesLegacy:
            return "iptables-legacy";
        case FirewallTool::kNftables:
            return "nftables";
    }
    return "?";
}

bool program_is_installed(std::string_view program) {
    if (program.empty()) {
        return false;
    }
    if (program.find('/') != std::string_view::npos) {
        return ::access(std::string(program).c_str(), X_OK) == 0;
    }
    // Daemons are often started with a PATH that lacks the sbin directories iptables lives in.
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read-only
    std::string directories = path != nullptr ? path : "";
    directories += ":/usr/sbin:/sbin";
    std::string_view remaining = directories;
    while (!remaining.empty()) {
        const auto end = std::min(remaining.find(':'), remaining.size());
        const std::string_view directory = remaining.substr(0, end);
        remaining.remove_prefix(std::min(end + 1, remaining.size()));
        if (directory.empty()) {
            continue;
        }
        const std::string candidate = std::string(directory) + "/" + std::string(program);
        if (::access(candidate.c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

std::optional<FirewallTool> resolve_firewall_tool(
    std::string_view backend, const std::function<bool(std::string_view)>& is_installed) {
    if (backend == "iptables") {
        return FirewallTool::kIptables;
    }
    if (backend == "iptables-legacy") {
        return FirewallTool::kIptablesLegacy;
    }
    if (backend == "nftables") {
        return FirewallTool::kNftables;
    }
    if (backend != "auto") {
        return std::nullopt;
    }
    if (is_installed("iptables")) {
        return FirewallTool::kIptables;
    }
    if (is_installed("iptables-legacy")) {
        return FirewallTool::kIptablesLegacy;
    }
    if (is_installed("nft")) {
        return FirewallTool::kNftables;
    }
    return std::nullopt;
}

FirewallSetup::FirewallSetup(FirewallTool tool, const FirewallPlan& plan,
                             std::shared_ptr<CommandRunner> runner)
    : tool_(tool), plan_(plan), runner_(std::move(runner)) {}

FirewallSetup::FirewallSetup(FirewallSetup&& other) noexcept
    : tool_(other.tool_),
      plan_(other.plan_),
      runner_(std::move(other.runner_)),
      active_(std::exchange(other.active_, false)),
      changed_(other.changed_),
      ipv6_installed_(std::exchange(other.ipv6_installed_, false)),
      ipv6_unavailable_(std::move(other.ipv6_unavailable_)),
      nftables_listing_(std::move(other.nftables_listing_)) {}

FirewallSetup& FirewallSetup::operator=(FirewallSetup&& other) noexcept {
    if (this != &other) {
        tool_ = other.tool_;
        plan_ = other.plan_;
        runner_ = std::move(other.runner_);
        active_ = std::exchange(other.active_, false);
        changed_ = other.changed_;
        ipv6_installed_ = std::exchange(other.ipv6_installed_, false);
        ipv6_unavailable_ = std::move(other.ipv6_unavailable_);
        nftables_listing_ = std::move(other.nftables_listing_);
    }
    return *this;
}

FirewallSetup::~FirewallSetup() = default;

Result<FirewallSetup> FirewallSetup::install(FirewallTool tool, const FirewallPlan& plan) {
    return install(tool, plan, std::make_shared<ProcessCommandRunner>());
}

Result<FirewallSetup> FirewallSetup::install(FirewallTool tool, const FirewallPlan& plan,
                                             std::shared_ptr<CommandRunner> runner) {
    FirewallSetup setup(tool, plan, std::move(runner));
    if (auto installed = setup.install_all(); !installed) {
        // Half an install (IPv4 without IPv6) must not outlive the failure it reports. A
        // failure before any change leaves the tables as they were, old chains included.
        if (setup.changed_) {
            setup.active_ = true;
            setup.ipv6_installed_ = true;
            (void)setup.remove();
        }
        return installed.error();
    }
    setup.active_ = true;
    return setup;
}

Result<void> FirewallSetup::install_all() {
    if (tool_ == FirewallTool::kNftables) {
        return install_nftables();
    }
    if (auto ipv4 = install_family(IpFamily::kIpv4); !ipv4) {
        return ipv4;
    }
    return install_family(IpFamily::kIpv6);
}

Result<void> FirewallSetup::install_family(IpFamily family) {
    auto listing = run_checked(*runner_, list_command(tool_, family));
    if (!listing) {
        if (family == IpFamily::kIpv6) {
            ipv6_installed_ = false;
            ipv6_unavailable_ = listing.error();
            return {};
        }
        return listing.error();
    }
    const IptablesLeftovers leftovers = find_iptables_leftovers(listing->standard_output);
    auto restored = run_checked(
        *runner_,
        restore_command(tool_, family, iptables_restore_script(plan_, family, leftovers)));
    if (!restored) {
        return restored.error();
    }
    changed_ = true;
    if (family == IpFamily::kIpv6) {
        ipv6_installed_ = true;
        ipv6_unavailable_.reset();
    }
    return {};
}

Result<void> FirewallSetup::install_nftables() {
    if (auto loaded = run_checked(*runner_, nftables_load(nftables_ruleset(plan_))); !loaded) {
        return loaded.error();
    }
    changed_ = true;
    auto listing = run_checked(*runner_, kNftablesList);
    if (!listing) {
        return listing.error();
    }
    nftables_listing_ = std::move(listing->standard_output);
    return {};
}

Result<bool> FirewallSetup::verify() const {
    if (!active_) {
        return Error{"the firewall rules are not installed by this process"};
    }
    if (tool_ == FirewallTool::kNftables) {
        return verify_nftables();
    }
    auto ipv4 = verify_family(IpFamily::kIpv4);
    if (!ipv4 || !*ipv4 || !ipv6_installed_) {
        return ipv4;
    }
    return verify_family(IpFamily::kIpv6);
}

Result<bool> FirewallSetup::verify_family(IpFamily family) const {
    auto listing = run_checked(*runner_, list_command(tool_, family));
    if (!listing) {
        return listing.error();
    }
    return iptables_listing_matches(plan_, family, listing->standard_output);
}

Result<bool> FirewallSetup::verify_nftables() const {
    auto listing = runner_->run(kNftablesList);
    if (!listing) {
        return listing.error();
    }
    if (listing->exit_status == 0) {
        return listing->standard_output == nftables_listing_;
    }
    // Listing a missing table fails; tell that apart from nft not working at all.
    auto tables = run_checked(*runner_, Command{{"nft", "list", "tables", "inet"}, {}});
    if (!tables) {
        return tables.error();
    }
    if (tables->standard_output.find("table inet sluice\n") != std::string::npos) {
        return run_checked(*runner_, kNftablesList).error();
    }
    return false;
}

Result<void> FirewallSetup::reinstall() {
    if (!active_) {
        return Error{"the firewall rules are not installed by this process"};
    }
    return install_all();
}

Result<void> FirewallSetup::remove() {
    if (!active_) {
        return {};
    }
    if (tool_ == FirewallTool::kNftables) {
        if (auto removed = run_checked(*runner_, nftables_load(nftables_removal_script()));
            !removed) {
            return removed.error();
        }
    } else {
        if (auto ipv4 = remove_family(IpFamily::kIpv4); !ipv4) {
            return ipv4;
        }
        // IPv6 that was unavailable at install has nothing of ours to remove.
        if (auto ipv6 = remove_family(IpFamily::kIpv6); !ipv6 && ipv6_installed_) {
            return ipv6;
        }
    }
    active_ = false;
    ipv6_installed_ = false;
    return {};
}

Result<void> FirewallSetup::remove_family(IpFamily family) {
    auto listing = run_checked(*runner_, list_command(tool_, family));
    if (!listing) {
        return listing.error();
    }
    const std::string script =
        iptables_removal_script(find_iptables_leftovers(listing->standard_output));
    if (script.empty()) {
        return {};
    }
    if (auto removed = run_checked(*runner_, restore_command(tool_, family, script)); !removed) {
        return removed.error();
    }
    return {};
}

void FirewallSetup::release() {
    active_ = false;
    ipv6_installed_ = false;
}

}  // namespace sluice
