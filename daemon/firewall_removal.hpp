#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/base/result.hpp"
#include "daemon/netfilter/command_runner.hpp"
#include "daemon/netfilter/firewall_setup.hpp"

namespace sluice {

struct FirewallRemovalReport {
    std::vector<std::string> removed;  // "iptables: SLUICE-OUT, SLUICE-VERDICT, ..., 1 jump"
    std::vector<std::string> skipped;  // tables that could not be listed, and why
    std::vector<Error> errors;         // removals that failed
};

// `sluiced --remove-firewall`: deletes every sluice chain and every jump into one, whatever the
// config says and whichever backend made them, in the network namespace it runs in: the filter
// tables of iptables, ip6tables, iptables-legacy and ip6tables-legacy, and nft's table inet
// sluice. The package's prerm runs it after stopping the daemon, so removing the package never
// leaves a fail: closed queue rule behind. Programs that are not installed are skipped; a table
// that cannot be listed (ip6tables on a kernel without IPv6) holds nothing of ours and is noted
// in `skipped`. Runs helper programs and blocks until they end.
FirewallRemovalReport remove_all_firewall_rules(
    CommandRunner& runner,
    const std::function<bool(std::string_view)>& is_installed = program_is_installed);

}  // namespace sluice
