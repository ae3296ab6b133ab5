#include "daemon/netfilter/firewall_ruleset.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace sluice {

namespace {

constexpr std::string_view kChainPrefix = "SLUICE-";
constexpr std::string_view kOutputChain = "SLUICE-OUT";
constexpr std::string_view kInputChain = "SLUICE-IN";
constexpr std::string_view kVerdictChain = "SLUICE-VERDICT";
constexpr std::string_view kFlowChain = "SLUICE-FLOW";

struct IptablesChain {
    std::string_view name;
    std::vector<std::string> rules;  // what follows "-A NAME "
};

struct IptablesJump {
    std::string_view hook;  // built-in chain
    std::string_view chain;
    [[nodiscard]] std::string listed() const {
        return "-A " + std::string(hook) + " -j " + std::string(chain);
    }
};

struct IptablesLayout {
    std::vector<IptablesChain> chains;
    std::vector<IptablesJump> jumps;
};

// iptables prints marks as 0x%x and leaves out a mask of all ones.
std::string hex(std::uint32_t value) {
    char digits[8];
    const auto end = std::to_chars(std::begin(digits), std::end(digits), value, 16).ptr;
    return "0x" + std::string(digits, end);
}

std::string mark_with_mask(std::uint32_t value, std::uint32_t mask) {
    return mask == 0xffffffffu ? hex(value) : hex(value) + "/" + hex(mask);
}

bool is_sluice_chain(std::string_view name) {
    return name.starts_with(kChainPrefix);
}

IptablesLayout iptables_layout(const FirewallPlan& plan, IpFamily family) {
    const std::uint32_t mask = plan.marks.mask();
    const auto mark = [&](MarkDecision decision) {
        return mark_with_mask(plan.marks.value(decision), mask);
    };
    const std::string undecided = mark_with_mask(0, mask);
    const std::string port_unreachable =
        family == IpFamily::kIpv4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";

    std::vector<std::string> hook_rules = {
        "-m mark ! --mark " + undecided + " -g " + std::string(kVerdictChain),
        "-m connmark ! --mark " + undecided + " -g " + std::string(kFlowChain),
        "-m conntrack --ctstate NEW -j NFQUEUE --queue-num " + std::to_string(plan.queue_number) +
            (plan.fail_open ? " --queue-bypass" : ""),
    };
    IptablesLayout layout;
    layout.chains.push_back({kOutputChain, hook_rules});
    layout.jumps.push_back({"OUTPUT", kOutputChain});
    if (plan.inbound) {
        layout.chains.push_back({kInputChain, hook_rules});
        layout.jumps.push_back({"INPUT", kInputChain});
    }
    layout.chains.push_back(
        {kVerdictChain,
         {
             "-j CONNMARK --save-mark --nfmask " + hex(mask) + " --ctmask " + hex(mask),
             "-m mark --mark " + mark(MarkDecision::kAllow) + " -j RETURN",
             "-m mark --mark " + mark(MarkDecision::kDeny) + " -j DROP",
             "-p tcp -m mark --mark " + mark(MarkDecision::kReject) +
                 " -j REJECT --reject-with tcp-reset",
             "-m mark --mark " + mark(MarkDecision::kReject) + " -j REJECT --reject-with " +
                 port_unreachable,
         }});
    // The reset or ICMP error that REJECT sends carries the rejected flow's conntrack entry
    // (state RELATED) and its reject mark: it must pass, or the client only sees a timeout.
    layout.chains.push_back({kFlowChain,
                             {
                                 "-m conntrack --ctstate RELATED -j RETURN",
                                 "-m connmark --mark " + mark(MarkDecision::kAllow) + " -j RETURN",
                                 "-m connmark --mark " + mark(MarkDecision::kDeny) + " -j DROP",
                                 "-p tcp -m connmark --mark " + mark(MarkDecision::kReject) +
                                     " -j REJECT --reject-with tcp-reset",
                                 "-m connmark --mark " + mark(MarkDecision::kReject) +
                                     " -j REJECT --reject-with " + port_unreachable,
                             }});
    return layout;
}

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t position = 0;
    while (position < line.size()) {
        const auto start = line.find_first_not_of(" \t", position);
        if (start == std::string_view::npos) {
            break;
        }
        const auto end = std::min(line.find_first_of(" \t", start), line.size());
        words.push_back(line.substr(start, end - start));
        position = end;
    }
    return words;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = std::min(text.find('\n'), text.size());
        lines.push_back(text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
    }
    return lines;
}

// The rule's jump or goto target, when it is a SLUICE-* chain.
bool targets_sluice_chain(const std::vector<std::string_view>& words) {
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        if ((words[i] == "-j" || words[i] == "-g") && is_sluice_chain(words[i + 1])) {
            return true;
        }
    }
    return false;
}

// The SLUICE-* part of a listing, keyed so that the order in which iptables prints chains
// (which differs between versions) does not matter.
struct SluiceListing {
    std::map<std::string, std::vector<std::string>, std::less<>> chains;
    std::multiset<std::string> jump_rules;
    std::map<std::string, std::string, std::less<>> first_rule_of_hook;
};

SluiceListing read_sluice_listing(std::string_view listing) {
    SluiceListing result;
    for (const auto line : split_lines(listing)) {
        const auto words = split_words(line);
        if (words.size() < 2) {
            continue;
        }
        if (words[0] == "-N" && is_sluice_chain(words[1])) {
            result.chains.try_emplace(std::string(words[1]));
        } else if (words[0] == "-A" && is_sluice_chain(words[1])) {
            result.chains[std::string(words[1])].emplace_back(line);
        } else if (words[0] == "-A") {
            if (words[1] == "OUTPUT" || words[1] == "INPUT") {
                result.first_rule_of_hook.try_emplace(std::string(words[1]), line);
            }
            if (targets_sluice_chain(words)) {
                result.jump_rules.emplace(line);
            }
        }
    }
    return result;
}

void append_line(std::string& text, std::string_view line) {
    text += line;
    text += '\n';
}

std::string restore_script(const FirewallPlan& plan, IpFamily family,
                           const IptablesLeftovers& leftovers) {
    const IptablesLayout layout = iptables_layout(plan, family);
    std::string script = "*filter\n";
    for (const auto& rule : leftovers.jump_rules) {
        append_line(script, "-D" + rule.substr(2));
    }
    // Declaring a chain that exists flushes it (--noflush keeps everything else).
    for (const auto& chain : layout.chains) {
        append_line(script, ":" + std::string(chain.name) + " - [0:0]");
    }
    std::vector<std::string_view> unplanned;
    for (const auto& name : leftovers.chains) {
        const bool planned = std::any_of(layout.chains.begin(), layout.chains.end(),
                                         [&](const auto& chain) { return chain.name == name; });
        if (!planned) {
            unplanned.push_back(name);
        }
    }
    for (const auto name : unplanned) {
        append_line(script, "-F " + std::string(name));
    }
    for (const auto name : unplanned) {
        append_line(script, "-X " + std::string(name));
    }
    for (const auto& chain : layout.chains) {
        for (const auto& rule : chain.rules) {
            append_line(script, "-A " + std::string(chain.name) + " " + rule);
        }
    }
    for (const auto& jump : layout.jumps) {
        append_line(script, "-I " + std::string(jump.hook) + " 1 -j " + std::string(jump.chain));
    }
    script += "COMMIT\n";
    return script;
}

std::string nft_hex(std::uint32_t value) {
    char digits[8];
    const auto end = std::to_chars(std::begin(digits), std::end(digits), value, 16).ptr;
    const std::string text(digits, end);
    return "0x" + std::string(8 - text.size(), '0') + text;
}

}  // namespace

std::string iptables_restore_script(const FirewallPlan& plan, IpFamily family) {
    return restore_script(plan, family, {});
}

std::string iptables_restore_script(const FirewallPlan& plan, IpFamily family,
                                    const IptablesLeftovers& leftovers) {
    return restore_script(plan, family, leftovers);
}

IptablesLeftovers find_iptables_leftovers(std::string_view listing) {
    IptablesLeftovers leftovers;
    for (const auto line : split_lines(listing)) {
        const auto words = split_words(line);
        if (words.size() < 2) {
            continue;
        }
        if (words[0] == "-N" && is_sluice_chain(words[1])) {
            leftovers.chains.emplace_back(words[1]);
        } else if (words[0] == "-A" && !is_sluice_chain(words[1]) && targets_sluice_chain(words)) {
            leftovers.jump_rules.emplace_back(line);
        }
    }
    return leftovers;
}

std::string iptables_removal_script(const IptablesLeftovers& leftovers) {
    if (leftovers.empty()) {
        return {};
    }
    std::string script = "*filter\n";
    for (const auto& rule : leftovers.jump_rules) {
        append_line(script, "-D" + rule.substr(2));
    }
    // Flush all before deleting any: the chains refer to each other.
    for (const auto& chain : leftovers.chains) {
        append_line(script, "-F " + chain);
    }
    for (const auto& chain : leftovers.chains) {
        append_line(script, "-X " + chain);
    }
    script += "COMMIT\n";
    return script;
}

bool iptables_listing_matches(const FirewallPlan& plan, IpFamily family, std::string_view listing) {
    const IptablesLayout layout = iptables_layout(plan, family);
    const SluiceListing actual = read_sluice_listing(listing);

    if (actual.chains.size() != layout.chains.size()) {
        return false;
    }
    for (const auto& chain : layout.chains) {
        const auto found = actual.chains.find(chain.name);
        if (found == actual.chains.end() || found->second.size() != chain.rules.size()) {
            return false;
        }
        for (std::size_t i = 0; i < chain.rules.size(); ++i) {
            if (found->second[i] != "-A " + std::string(chain.name) + " " + chain.rules[i]) {
                return false;
            }
        }
    }
    std::multiset<std::string> expected_jumps;
    for (const auto& jump : layout.jumps) {
        expected_jumps.insert(jump.listed());
        const auto first = actual.first_rule_of_hook.find(jump.hook);
        if (first == actual.first_rule_of_hook.end() || first->second != jump.listed()) {
            return false;
        }
    }
    return actual.jump_rules == expected_jumps;
}

std::string nftables_ruleset(const FirewallPlan& plan) {
    const std::string mask = nft_hex(plan.marks.mask());
    const std::string keep_other_bits = nft_hex(~plan.marks.mask());
    const auto value = [&](MarkDecision decision) { return nft_hex(plan.marks.value(decision)); };
    const auto save = [&](MarkDecision decision) {
        return "ct mark set ct mark & " + keep_other_bits + " | " + value(decision);
    };
    const std::string packet_mark_is = "meta mark & " + mask + " == ";
    const std::string flow_mark_is = "ct mark & " + mask + " == ";
    const std::string queue = "ct state new queue num " + std::to_string(plan.queue_number) +
                              (plan.fail_open ? " bypass" : "");

    std::string text = "table inet sluice\ndelete table inet sluice\ntable inet sluice {\n";
    const auto hook_chain = [&](std::string_view name, std::string_view hook) {
        text += "\tchain " + std::string(name) + " {\n";
        text +=
            "\t\ttype filter hook " + std::string(hook) + " priority filter - 10; policy accept;\n";
        text += "\t\tmeta mark & " + mask + " != 0x00000000 goto sluice_verdict\n";
        text += "\t\tct mark & " + mask + " != 0x00000000 goto sluice_flow\n";
        text += "\t\t" + queue + "\n";
        text += "\t}\n";
    };
    hook_chain("sluice_output", "output");
    if (plan.inbound) {
        hook_chain("sluice_input", "input");
    }
    const auto allow = value(MarkDecision::kAllow);
    const auto deny = value(MarkDecision::kDeny);
    const auto reject = value(MarkDecision::kReject);
    const auto allow_disabled = value(MarkDecision::kAllowDisabled);
    text += "\tchain sluice_verdict {\n";
    text += "\t\t" + packet_mark_is + allow + " " + save(MarkDecision::kAllow) + " accept\n";
    text += "\t\t" + packet_mark_is + deny + " " + save(MarkDecision::kDeny) + " drop\n";
    text += "\t\t" + packet_mark_is + reject + " meta l4proto tcp " + save(MarkDecision::kReject) +
            " reject with tcp reset\n";
    text += "\t\t" + packet_mark_is + reject + " " + save(MarkDecision::kReject) +
            " reject with icmpx port-unreachable\n";
    text += "\t\t" + packet_mark_is + allow_disabled + " " + save(MarkDecision::kAllowDisabled) +
            " accept\n";
    text += "\t}\n";
    text += "\tchain sluice_flow {\n";
    text += "\t\tct state related accept\n";
    text += "\t\t" + flow_mark_is + allow + " accept\n";
    text += "\t\t" + flow_mark_is + deny + " drop\n";
    text += "\t\t" + flow_mark_is + reject + " meta l4proto tcp reject with tcp reset\n";
    text += "\t\t" + flow_mark_is + reject + " reject with icmpx port-unreachable\n";
    text += "\t}\n";
    text += "}\n";
    return text;
}

std::string nftables_removal_script() {
    return "table inet sluice\ndelete table inet sluice\n";
}

}  // namespace sluice
