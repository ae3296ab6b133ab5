#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/base/result.hpp"
#include "daemon/netfilter/command_runner.hpp"
#include "daemon/netfilter/firewall_ruleset.hpp"

namespace sluice {

// The program family that installs the rules (config firewall.backend, once resolved).
enum class FirewallTool : std::uint8_t {
    kIptables,        // iptables/ip6tables: whichever backend the system's alternatives chose
    kIptablesLegacy,  // iptables-legacy/ip6tables-legacy
    kNftables,        // nft, table inet sluice; needs a kernel with CONFIG_NFT_QUEUE
};

std::string_view to_string(FirewallTool tool);

// True when `program` is an executable file in a PATH directory or /usr/sbin, /sbin.
bool program_is_installed(std::string_view program);

// Maps firewall.backend to a tool. "auto" picks iptables, then iptables-legacy, then nft,
// whichever `is_installed` finds first (iptables first because its NFQUEUE target works on
// kernels without nft queue support). nullopt for "none", an unknown name, or "auto" when
// none of them is installed.
std::optional<FirewallTool> resolve_firewall_tool(
    std::string_view backend,
    const std::function<bool(std::string_view)>& is_installed = program_is_installed);

// The firewall rules that send new flows to the queue and apply decisions kept in the ct
// mark (docs/firewall.md). Owned by the main thread; every call runs helper programs and
// blocks until they end. Errors carry the command line and its stderr.
class FirewallSetup {
  public:
    // Installs the rules of `plan`, replacing in the same transaction any sluice chains left
    // by an earlier run (e.g. a crash under fail: closed). With iptables, IPv6 tables the
    // system cannot provide (no ip6tables, kernel without IPv6) are not an error: IPv4 is set
    // up and ipv6_unavailable() says why IPv6 is not. On failure nothing of this
    // install is left behind (a failure before any change leaves old chains as they were).
    static Result<FirewallSetup> install(FirewallTool tool, const FirewallPlan& plan);
    static Result<FirewallSetup> install(FirewallTool tool, const FirewallPlan& plan,
                                         std::shared_ptr<CommandRunner> runner);

    FirewallSetup(FirewallSetup&& other) noexcept;
    FirewallSetup& operator=(FirewallSetup&& other) noexcept;
    FirewallSetup(const FirewallSetup&) = delete;
    FirewallSetup& operator=(const FirewallSetup&) = delete;
    // Does not remove the rules: the daemon decides by its fail posture (remove or release).
    ~FirewallSetup();

    // True when every chain, rule and jump is as installed (iptables: each jump still the first
    // rule of OUTPUT/INPUT; nftables: the table lists as it did right after install).
    Result<bool> verify() const;
    // Installs again, replacing whatever is there; a SIGHUP re-check does this when verify()
    // is false. Tries IPv6 again if it was unavailable.
    Result<void> reinstall();
    // Deletes the jumps, then flushes and deletes the chains, of both families. Idempotent:
    // what is already gone is not an error. After success the object holds nothing.
    Result<void> remove();
    // Forgets the rules without removing them (fail: closed stop keeps new flows blocked).
    void release();

    [[nodiscard]] FirewallTool tool() const { return tool_; }
    [[nodiscard]] bool active() const { return active_; }
    // Why IPv6 is not filtered, when the IPv6 tables could not be used (log as a warning).
    [[nodiscard]] const std::optional<Error>& ipv6_unavailable() const { return ipv6_unavailable_; }

  private:
    FirewallSetup(FirewallTool tool, const FirewallPlan& plan,
                  std::shared_ptr<CommandRunner> runner);
    Result<void> install_all();
    Result<void> install_family(IpFamily family);
    Result<void> remove_family(IpFamily family);
    Result<bool> verify_family(IpFamily family) const;
    Result<void> install_nftables();
    Result<bool> verify_nftables() const;

    FirewallTool tool_;
    FirewallPlan plan_;
    std::shared_ptr<CommandRunner> runner_;
    bool active_ = false;
    bool changed_ = false;  // some rules were loaded since construction
    bool ipv6_installed_ = false;
    std::optional<Error> ipv6_unavailable_;
    std::string nftables_listing_;  // `nft list table inet sluice` right after install
};

}  // namespace sluice
