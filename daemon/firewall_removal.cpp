#include "daemon/firewall_removal.hpp"

#include <fmt/format.h>

#include "daemon/netfilter/firewall_ruleset.hpp"

namespace sluice {

namespace {

std::string first_line(std::string_view text) {
    const auto end = text.find('\n');
    return std::string(end == std::string_view::npos ? text : text.substr(0, end));
}

std::string failure_text(const Command& command, const CommandOutput& output) {
    std::string message = first_line(output.standard_error);
    if (message.empty()) {
        message = "(no error output)";
    }
    return fmt::format("`{}` failed with exit status {}: {}", command.to_string(),
                       output.exit_status, message);
}

void remove_iptables(CommandRunner& runner, const std::string& program,
                     FirewallRemovalReport& report) {
    const Command list{{program, "-w", "-S"}, {}};
    auto listing = runner.run(list);
    if (!listing) {
        report.skipped.push_back(fmt::format("{}: {}", program, listing.error().message()));
        return;
    }
    if (listing->exit_status != 0) {
        report.skipped.push_back(failure_text(list, *listing));
        return;
    }
    const IptablesLeftovers leftovers = find_iptables_leftovers(listing->standard_output);
    if (leftovers.empty()) {
        return;
    }
    const Command restore{{program + "-restore", "-w", "--noflush"},
                          iptables_removal_script(leftovers)};
    auto restored = runner.run(restore);
    if (!restored) {
        report.errors.push_back(restored.error());
        return;
    }
    if (restored->exit_status != 0) {
        report.errors.push_back(Error{failure_text(restore, *restored)});
        return;
    }
    std::string what = fmt::format("{}: {}", program, fmt::join(leftovers.chains, ", "));
    if (!leftovers.jump_rules.empty()) {
        what +=
            fmt::format("{}{} jump{}", leftovers.chains.empty() ? "" : ", ",
                        leftovers.jump_rules.size(), leftovers.jump_rules.size() == 1 ? "" : "s");
    }
    report.removed.push_back(std::move(what));
}

void remove_nftables(CommandRunner& runner, FirewallRemovalReport& report) {
    const Command list{{"nft", "list", "tables", "inet"}, {}};
    auto tables = runner.run(list);
    if (!tables) {
        report.skipped.push_back(fmt::format("nft: {}", tables.error().message()));
        return;
    }
    if (tables->exit_status != 0) {
        report.skipped.push_back(failure_text(list, *tables));
        return;
    }
    if (tables->standard_output.find("table inet sluice\n") == std::string::npos) {
        return;
    }
    const Command remove{{"nft", "-f", "-"}, nftables_removal_script()};
    auto removed = runner.run(remove);
    if (!removed) {
        report.errors.push_back(removed.error());
        return;
    }
    if (removed->exit_status != 0) {
        report.errors.push_back(Error{failure_text(remove, *removed)});
        return;
    }
    report.removed.emplace_back("nft: table inet sluice");
}

}  // namespace

FirewallRemovalReport remove_all_firewall_rules(
    CommandRunner& runner, const std::function<bool(std::string_view)>& is_installed) {
    FirewallRemovalReport report;
    for (const char* program : {"iptables", "ip6tables", "iptables-legacy", "ip6tables-legacy"}) {
        if (is_installed(program)) {
            remove_iptables(runner, program, report);
        }
    }
    if (is_installed("nft")) {
        remove_nftables(runner, report);
    }
    return report;
}

}  // namespace sluice
