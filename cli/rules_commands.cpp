#include "cli/rules_commands.hpp"

#include "cli/firewall_client.hpp"
#include "cli/rule_options.hpp"
#include "cli/rule_view.hpp"
#include "cli/rules_check.hpp"

namespace sluice::cli {

int run_rules_list(const CommandContext& context) {
    FirewallClient firewall(*context.bus);
    const auto rules = from_dicts(firewall.ListRules());
    if (context.invocation.json) {
        context.print_json(Value::List(rules.begin(), rules.end()));
    } else {
        context.out << rules_table(rules);
    }
    return kExitOk;
}

int run_rules_show(const CommandContext& context) {
    FirewallClient firewall(*context.bus);
    const Object rule = from_dict(firewall.GetRule(context.invocation.operands.front()));
    if (context.invocation.json) {
        context.print_json(rule);
    } else {
        context.out << rule_details(rule);
    }
    return kExitOk;
}

int run_rules_add(const CommandContext& context) {
    auto rule = rule_dict_from_options(context.invocation);
    if (!rule) {
        return context.fail({kExitError, rule.error().message()});
    }
    FirewallClient firewall(*context.bus);
    const std::string id = firewall.AddRule(*rule);
    if (context.invocation.json) {
        context.print_json(Object{{"id", id}});
    } else {
        context.out << id << '\n';
    }
    return kExitOk;
}

int run_rules_remove(const CommandContext& context) {
    FirewallClient firewall(*context.bus);
    for (const auto& id : context.invocation.operands) {
        firewall.RemoveRule(id);
    }
    return kExitOk;
}

int run_rules_edit(const CommandContext& context) {
    auto changes = rule_dict_from_options(context.invocation);
    if (!changes) {
        return context.fail({kExitError, changes.error().message()});
    }
    auto unset = unset_fields(context.invocation);
    if (!unset) {
        return context.fail({kExitError, unset.error().message()});
    }
    const std::string& id = context.invocation.operands.front();
    FirewallClient firewall(*context.bus);
    firewall.UpdateRule(id, rule_changes(std::move(*changes), *unset));
    return kExitOk;
}

int run_rules_check(const CommandContext& context) {
    const auto& invocation = context.invocation;
    const CheckReport report = check_files(invocation.operands, invocation.values("host-list"),
                                           invocation.values("ip-list"));
    if (invocation.json) {
        context.print_json(check_report_value(report));
    } else {
        context.out << check_summary_text(report);
        for (const auto& diagnostic : report.diagnostics) {
            context.err << diagnostic.to_string() << '\n';
        }
    }
    return report.clean() ? kExitOk : kExitError;
}

}  // namespace sluice::cli
