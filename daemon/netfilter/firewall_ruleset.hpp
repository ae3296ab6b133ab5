#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/netfilter/mark_layout.hpp"

namespace sluice {

// What the firewall rules must do; built from the config's queue, fail and firewall sections.
struct FirewallPlan {
    std::uint16_t queue_number = 4242;
    bool fail_open = true;  // the queue rule gets --queue-bypass only when true
    MarkLayout marks = *MarkLayout::from_mask(0x00700000);  // firewall.mark_mask default
    bool inbound = false;                                   // also queue new inbound flows
};

enum class IpFamily : std::uint8_t { kIpv4, kIpv6 };

// The iptables text below is written exactly as `iptables -S` prints it back (iptables 1.8,
// nf_tables and legacy alike), so that verification is a plain comparison. docs/firewall.md
// explains each rule.

// Input for `iptables-restore -w --noflush` (or ip6tables-restore): creates the SLUICE-*
// chains of the filter table and inserts the jumps at position 1 of OUTPUT (and INPUT).
std::string iptables_restore_script(const FirewallPlan& plan, IpFamily family);

// SLUICE-* chains and the rules of other chains that jump to them, as found in `iptables -S`.
struct IptablesLeftovers {
    std::vector<std::string> chains;      // "SLUICE-OUT"
    std::vector<std::string> jump_rules;  // "-A OUTPUT -j SLUICE-OUT", verbatim
    [[nodiscard]] bool empty() const { return chains.empty() && jump_rules.empty(); }
};

IptablesLeftovers find_iptables_leftovers(std::string_view listing);

// Like iptables_restore_script, but the same transaction first deletes `leftovers` (from an
// earlier run or a crash), so replacing old chains leaves no moment without them.
std::string iptables_restore_script(const FirewallPlan& plan, IpFamily family,
                                    const IptablesLeftovers& leftovers);

// Input for `iptables-restore -w --noflush` that deletes `leftovers` in one transaction: the
// jumps first, then the chains. Empty text when there is nothing to delete.
std::string iptables_removal_script(const IptablesLeftovers& leftovers);

// True when `listing` (`iptables -S` of the filter table) holds exactly the chains and rules
// iptables_restore_script installs, and each jump is the first rule of its built-in chain and
// the only reference to a SLUICE-* chain. Rules of other chains are not looked at.
bool iptables_listing_matches(const FirewallPlan& plan, IpFamily family, std::string_view listing);

// Input for `nft -f`: replaces table inet sluice (created empty first so that the delete
// cannot fail) with the nftables equivalent of the iptables chains, in one transaction.
std::string nftables_ruleset(const FirewallPlan& plan);

// Input for `nft -f` that deletes table inet sluice, and succeeds when it does not exist.
std::string nftables_removal_script();

}  // namespace sluice
