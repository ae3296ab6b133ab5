#include "daemon/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace sluice {

// Failures show a config as the YAML a person would write.
void PrintTo(const Config& config, std::ostream* out) {
    *out << "\n" << to_yaml(config);
}

namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Loaded {
    std::optional<Config> config;
    std::vector<std::string> errors;
};

Loaded load(std::string_view text) {
    Diagnostics diagnostics;
    auto config = parse_config(text, "c.yaml", diagnostics);
    std::vector<std::string> errors;
    for (const auto& diagnostic : diagnostics) {
        errors.push_back(diagnostic.to_string());
    }
    return Loaded{std::move(config), std::move(errors)};
}

std::string read_source_file(const std::string& relative_path) {
    std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/" + relative_path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

TEST(Config, DefaultsAreTheDocumentedOnes) {
    const Config config = default_config();
    EXPECT_EQ(config.queue.number, 4242);
    EXPECT_EQ(config.queue.prompt_number, 4243);
    EXPECT_EQ(config.queue.max_len, 4096u);
    EXPECT_EQ(config.fail, FailPosture::kOpen);
    EXPECT_EQ(config.firewall.backend, FirewallBackend::kAuto);
    EXPECT_EQ(config.firewall.mark_mask, 0x00700000u);
    EXPECT_FALSE(config.firewall.inbound);
    EXPECT_EQ(config.default_action, Action::kPrompt);
    EXPECT_EQ(config.prompt.timeout, 20s);
    EXPECT_EQ(config.prompt.fallback, Action::kDeny);
    EXPECT_EQ(config.prompt.no_agent, Action::kAllow);
    EXPECT_THAT(config.rules.dirs, ElementsAre("/etc/sluice/rules.d"));
    EXPECT_EQ(config.rules.state, "/var/lib/sluice/rules.yaml");
    EXPECT_EQ(config.dns.observer, DnsObserver::kAuto);
    EXPECT_EQ(config.dbus.bus, (BusChoice{BusKind::kSystem, ""}));
    EXPECT_EQ(config.dbus.authorization, Authorization::kAuto);
    EXPECT_EQ(config.dbus.admin_group, "sluice");
    EXPECT_FALSE(config.dbus.fw_daemon_compat);
    EXPECT_EQ(config.log.level, LogLevel::kInfo);
    EXPECT_EQ(config.log.target, LogTarget::kAuto);
}

TEST(Config, EmptyFileRunsOnDefaults) {
    for (const auto* text : {"", "\n", "# nothing set yet\n", "---\n"}) {
        const auto loaded = load(text);
        EXPECT_THAT(loaded.errors, IsEmpty()) << text;
        EXPECT_EQ(loaded.config, default_config()) << text;
    }
}

TEST(Config, SectionWithEveryKeyCommentedOutKeepsItsDefaults) {
    const auto loaded = load("queue:\n  # number: 1\nfail: closed\n");
    EXPECT_THAT(loaded.errors, IsEmpty());
    Config expected = default_config();
    expected.fail = FailPosture::kClosed;
    EXPECT_EQ(loaded.config, expected);
}

struct ValidCase {
    std::string text;
    std::function<void(Config&)> change;
};

TEST(Config, EachKeyAcceptsItsValidValuesAndLeavesTheOthersAlone) {
    const std::vector<ValidCase> cases = {
        {"queue:\n  number: 0\n", [](Config& c) { c.queue.number = 0; }},
        {"queue:\n  number: 65535\n", [](Config& c) { c.queue.number = 65535; }},
        {"queue:\n  number: 0x10\n", [](Config& c) { c.queue.number = 16; }},
        {"queue:\n  prompt_number: 1\n", [](Config& c) { c.queue.prompt_number = 1; }},
        {"queue:\n  max_len: 1\n", [](Config& c) { c.queue.max_len = 1; }},
        {"queue:\n  max_len: 1048576\n", [](Config& c) { c.queue.max_len = 1048576; }},
        {"fail: closed\n", [](Config& c) { c.fail = FailPosture::kClosed; }},
        {"fail: open\n", [](Config&) {}},
        {"firewall:\n  backend: iptables\n",
         [](Config& c) { c.firewall.backend = FirewallBackend::kIptables; }},
        {"firewall:\n  backend: iptables-legacy\n",
         [](Config& c) { c.firewall.backend = FirewallBackend::kIptablesLegacy; }},
        {"firewall:\n  backend: nftables\n",
         [](Config& c) { c.firewall.backend = FirewallBackend::kNftables; }},
        {"firewall:\n  backend: none\n",
         [](Config& c) { c.firewall.backend = FirewallBackend::kNone; }},
        {"firewall:\n  mark_mask: \"0x0000000f\"\n", [](Config& c) { c.firewall.mark_mask = 0xf; }},
        {"firewall:\n  mark_mask: 0xFF000000\n",
         [](Config& c) { c.firewall.mark_mask = 0xff000000; }},
        {"firewall:\n  mark_mask: 7\n", [](Config& c) { c.firewall.mark_mask = 7; }},
        {"firewall:\n  mark_mask: 4294967295\n",
         [](Config& c) { c.firewall.mark_mask = 0xffffffff; }},
        {"firewall:\n  inbound: true\n", [](Config& c) { c.firewall.inbound = true; }},
        {"default_action: allow\n", [](Config& c) { c.default_action = Action::kAllow; }},
        {"default_action: deny\n", [](Config& c) { c.default_action = Action::kDeny; }},
        {"prompt:\n  timeout: 500ms\n", [](Config& c) { c.prompt.timeout = 500ms; }},
        {"prompt:\n  timeout: 20s\n", [](Config& c) { c.prompt.timeout = 20s; }},
        {"prompt:\n  timeout: 5m\n", [](Config& c) { c.prompt.timeout = 5min; }},
        {"prompt:\n  timeout: 1h\n", [](Config& c) { c.prompt.timeout = 1h; }},
        {"prompt:\n  timeout: 7d\n", [](Config& c) { c.prompt.timeout = 168h; }},
        {"prompt:\n  fallback: allow\n", [](Config& c) { c.prompt.fallback = Action::kAllow; }},
        {"prompt:\n  no_agent: deny\n", [](Config& c) { c.prompt.no_agent = Action::kDeny; }},
        {"rules:\n  dirs: [/a, /b]\n",
         [](Config& c) {
             c.rules.dirs = {"/a", "/b"};
         }},
        {"rules:\n  dirs:\n    - /x\n    - /y\n",
         [](Config& c) {
             c.rules.dirs = {"/x", "/y"};
         }},
        {"rules:\n  dirs: /only\n", [](Config& c) { c.rules.dirs = {"/only"}; }},
        {"rules:\n  state: /srv/sluice.yaml\n",
         [](Config& c) { c.rules.state = "/srv/sluice.yaml"; }},
        {"dns:\n  observer: queue\n", [](Config& c) { c.dns.observer = DnsObserver::kQueue; }},
        {"dns:\n  observer: packet\n", [](Config& c) { c.dns.observer = DnsObserver::kPacket; }},
        {"dns:\n  observer: nflog\n", [](Config& c) { c.dns.observer = DnsObserver::kNflog; }},
        {"dns:\n  observer: off\n", [](Config& c) { c.dns.observer = DnsObserver::kOff; }},
        {"dbus:\n  bus: session\n",
         [](Config& c) {
             c.dbus.bus = {BusKind::kSession, ""};
         }},
        {"dbus:\n  bus: none\n",
         [](Config& c) {
             c.dbus.bus = {BusKind::kNone, ""};
         }},
        {"dbus:\n  bus: unix:path=/run/sluice/bus\n",
         [](Config& c) {
             c.dbus.bus = {BusKind::kAddress, "unix:path=/run/sluice/bus"};
         }},
        {"dbus:\n  authorization: polkit\n",
         [](Config& c) { c.dbus.authorization = Authorization::kPolkit; }},
        {"dbus:\n  authorization: uid\n",
         [](Config& c) { c.dbus.authorization = Authorization::kUid; }},
        {"dbus:\n  admin_group: wheel\n", [](Config& c) { c.dbus.admin_group = "wheel"; }},
        {"dbus:\n  fw_daemon_compat: true\n", [](Config& c) { c.dbus.fw_daemon_compat = true; }},
        {"log:\n  level: trace\n", [](Config& c) { c.log.level = LogLevel::kTrace; }},
        {"log:\n  level: debug\n", [](Config& c) { c.log.level = LogLevel::kDebug; }},
        {"log:\n  level: warn\n", [](Config& c) { c.log.level = LogLevel::kWarn; }},
        {"log:\n  level: error\n", [](Config& c) { c.log.level = LogLevel::kError; }},
        {"log:\n  target: stderr\n", [](Config& c) { c.log.target = LogTarget::kStderr; }},
        {"log:\n  target: journal\n", [](Config& c) { c.log.target = LogTarget::kJournal; }},
    };
    for (const auto& test_case : cases) {
        Config expected = default_config();
        test_case.change(expected);
        const auto loaded = load(test_case.text);
        EXPECT_THAT(loaded.errors, IsEmpty()) << test_case.text;
        EXPECT_EQ(loaded.config, expected) << test_case.text;
    }
}

struct InvalidCase {
    std::string text;
    std::string error;
};

TEST(Config, EachKeyRejectsBadValuesWithItsPosition) {
    const std::vector<InvalidCase> cases = {
        {"queue:\n  number: 65536\n",
         "c.yaml:2:11: error: 'queue.number' is 65536, out of range 0 to 65535"},
        {"queue:\n  number: -1\n",
         "c.yaml:2:11: error: 'queue.number' is -1, out of range 0 to 65535"},
        {"queue:\n  number: abc\n",
         "c.yaml:2:11: error: 'queue.number' must be an integer from 0 to 65535, not 'abc'"},
        {"queue:\n  number: [1]\n",
         "c.yaml:2:11: error: 'queue.number' must be an integer from 0 to 65535"},
        {"queue:\n  prompt_number: 70000\n",
         "c.yaml:2:18: error: 'queue.prompt_number' is 70000, out of range 0 to 65535"},
        {"queue:\n  max_len: 0\n",
         "c.yaml:2:12: error: 'queue.max_len' is 0, out of range 1 to 1048576"},
        {"queue:\n  max_len: 1048577\n",
         "c.yaml:2:12: error: 'queue.max_len' is 1048577, out of range 1 to 1048576"},
        {"fail: maybe\n", "c.yaml:1:7: error: 'fail' must be one of open, closed, not 'maybe'"},
        {"fail: [open]\n", "c.yaml:1:7: error: 'fail' must be one of open, closed"},
        {"fail: Open\n", "c.yaml:1:7: error: 'fail' must be one of open, closed, not 'Open'"},
        {"firewall:\n  backend: iptables-nft\n",
         "c.yaml:2:12: error: 'firewall.backend' must be one of auto, iptables, "
         "iptables-legacy, nftables, none, not 'iptables-nft'"},
        {"firewall:\n  mark_mask: \"0x00500000\"\n",
         "c.yaml:2:14: error: 'firewall.mark_mask' must be one contiguous run of at least 3 bits, "
         "not '0x00500000'"},
        {"firewall:\n  mark_mask: 0x00300000\n",
         "c.yaml:2:14: error: 'firewall.mark_mask' must be one contiguous run of at least 3 bits, "
         "not '0x00300000'"},
        {"firewall:\n  mark_mask: 0\n",
         "c.yaml:2:14: error: 'firewall.mark_mask' must be one contiguous run of at least 3 bits, "
         "not '0'"},
        {"firewall:\n  mark_mask: 0x100000000\n",
         "c.yaml:2:14: error: 'firewall.mark_mask' must be a 32-bit mask such as \"0x00700000\", "
         "not '0x100000000'"},
        {"firewall:\n  mark_mask: -1\n",
         "c.yaml:2:14: error: 'firewall.mark_mask' must be a 32-bit mask such as \"0x00700000\", "
         "not '-1'"},
        {"firewall:\n  mark_mask: 0x\n",
         "c.yaml:2:14: error: 'firewall.mark_mask' must be a 32-bit mask such as \"0x00700000\", "
         "not '0x'"},
        {"firewall:\n  inbound: yes\n",
         "c.yaml:2:12: error: 'firewall.inbound' must be true or false"},
        {"default_action: reject\n",
         "c.yaml:1:17: error: 'default_action' must be one of allow, deny, prompt, not 'reject'"},
        {"prompt:\n  timeout: 20\n",
         "c.yaml:2:12: error: 'prompt.timeout' must be a duration such as 500ms, 20s, 5m, 1h or "
         "7d, not '20'"},
        {"prompt:\n  timeout: -1s\n",
         "c.yaml:2:12: error: 'prompt.timeout' must be a duration such as 500ms, 20s, 5m, 1h or "
         "7d, not '-1s'"},
        {"prompt:\n  timeout: 1w\n",
         "c.yaml:2:12: error: 'prompt.timeout' must be a duration such as 500ms, 20s, 5m, 1h or "
         "7d, not '1w'"},
        {"prompt:\n  timeout: 0s\n",
         "c.yaml:2:12: error: 'prompt.timeout' must be a duration such as 500ms, 20s, 5m, 1h or "
         "7d, not '0s'"},
        {"prompt:\n  timeout: 8d\n",
         "c.yaml:2:12: error: 'prompt.timeout' is 8d, out of range 1ms to 7d"},
        {"prompt:\n  fallback: prompt\n",
         "c.yaml:2:13: error: 'prompt.fallback' must be one of allow, deny, not 'prompt'"},
        {"prompt:\n  no_agent: reject\n",
         "c.yaml:2:13: error: 'prompt.no_agent' must be one of allow, deny, not 'reject'"},
        {"rules:\n  dirs: [/etc/sluice/rules.d, rules.d]\n",
         "c.yaml:2:31: error: items of 'rules.dirs' must be absolute paths, not 'rules.d'"},
        {"rules:\n  dirs: []\n", "c.yaml:2:9: error: 'rules.dirs' must not be an empty list"},
        {"rules:\n  dirs: {a: b}\n",
         "c.yaml:2:9: error: 'rules.dirs' must be a value or a list of values"},
        {"rules:\n  state: rules.yaml\n",
         "c.yaml:2:10: error: 'rules.state' must be an absolute path, not 'rules.yaml'"},
        {"rules:\n  state: [/a]\n", "c.yaml:2:10: error: 'rules.state' must be a single value"},
        {"dns:\n  observer: ebpf\n",
         "c.yaml:2:13: error: 'dns.observer' must be one of auto, queue, packet, nflog, off, "
         "not 'ebpf'"},
        {"dbus:\n  bus: tcp:host=localhost\n",
         "c.yaml:2:8: error: 'dbus.bus' must be system, session, none or a unix: address such as "
         "unix:path=/run/sluice/bus, not 'tcp:host=localhost'"},
        {"dbus:\n  bus: \"unix:\"\n",
         "c.yaml:2:8: error: 'dbus.bus' must be system, session, none or a unix: address such as "
         "unix:path=/run/sluice/bus, not 'unix:'"},
        {"dbus:\n  authorization: root\n",
         "c.yaml:2:18: error: 'dbus.authorization' must be one of auto, polkit, uid, not 'root'"},
        {"rules:\n  state: \"/a\\tb\"\n",
         "c.yaml:2:10: error: 'rules.state' must be UTF-8 text without control characters"},
        {"rules:\n  state: /r\xe8gles\n",
         "c.yaml:2:10: error: 'rules.state' must be UTF-8 text without control characters"},
        {"rules:\n  dirs: [/a, \"/b\\u0085\"]\n",
         "c.yaml:2:14: error: items of 'rules.dirs' must be UTF-8 text without control "
         "characters"},
        {"dbus:\n  bus: \"unix:path=/a\\x01\"\n",
         "c.yaml:2:8: error: 'dbus.bus' must be UTF-8 text without control characters"},
        {"dbus:\n  admin_group: wh\xc0\xaf"
         "eel\n",
         "c.yaml:2:16: error: 'dbus.admin_group' must be UTF-8 text without control characters"},
        {"dbus:\n  admin_group: a b\n",
         "c.yaml:2:16: error: 'dbus.admin_group' must be a group name, not 'a b'"},
        {"dbus:\n  admin_group: \"\"\n",
         "c.yaml:2:16: error: 'dbus.admin_group' must be a group name, not ''"},
        {"dbus:\n  fw_daemon_compat: 1\n",
         "c.yaml:2:21: error: 'dbus.fw_daemon_compat' must be true or false"},
        {"log:\n  level: verbose\n",
         "c.yaml:2:10: error: 'log.level' must be one of trace, debug, info, warn, error, "
         "not 'verbose'"},
        {"log:\n  target: syslog\n",
         "c.yaml:2:11: error: 'log.target' must be one of auto, stderr, journal, not 'syslog'"},
    };
    for (const auto& test_case : cases) {
        const auto loaded = load(test_case.text);
        EXPECT_EQ(loaded.config, std::nullopt) << test_case.text;
        EXPECT_THAT(loaded.errors, ElementsAre(test_case.error)) << test_case.text;
    }
}

TEST(Config, KeyWithoutValueIsAnErrorAtTheKey) {
    const auto loaded = load("fail:\nqueue:\n  number:\n");
    EXPECT_EQ(loaded.config, std::nullopt);
    EXPECT_THAT(
        loaded.errors,
        ElementsAre(
            "c.yaml:1:1: error: 'fail' has no value; leave the key out to keep the default, open",
            "c.yaml:3:3: error: 'queue.number' has no value; leave the key out to keep the "
            "default, 4242"));
}

TEST(Config, SectionGivenAsAValueIsAnError) {
    EXPECT_THAT(load("queue: 5\n").errors,
                ElementsAre("c.yaml:1:8: error: section 'queue' must be a mapping of keys to "
                            "values"));
}

TEST(Config, DocumentThatIsNotAMappingIsAnError) {
    EXPECT_THAT(load("- fail: open\n").errors,
                ElementsAre("c.yaml:1:1: error: the config file must be a mapping of keys to "
                            "values"));
}

TEST(Config, QueueNumbersMustDiffer) {
    EXPECT_THAT(load("queue:\n  prompt_number: 4242\n").errors,
                ElementsAre("c.yaml:2:18: error: 'queue.prompt_number' must differ from "
                            "'queue.number', both are 4242"));
    EXPECT_THAT(load("queue:\n  number: 4243\n").errors,
                ElementsAre("c.yaml:2:11: error: 'queue.prompt_number' must differ from "
                            "'queue.number', both are 4243"));
    EXPECT_THAT(load("queue:\n  number: 1\n  prompt_number: 2\n").errors, IsEmpty());
}

TEST(Config, AQueueNumberThatFailedDoesNotAlsoReportACollision) {
    EXPECT_THAT(load("queue:\n  number: x\n  prompt_number: 4242\n").errors,
                ElementsAre("c.yaml:2:11: error: 'queue.number' must be an integer from 0 to "
                            "65535, not 'x'"));
}

TEST(Config, EveryErrorOfTheFileIsReportedInFileOrder) {
    // The unknown key is found by the section check before the bad value above it is read.
    const auto loaded = load(
        "queue:\n"
        "  number: x\n"
        "  nmber: 1\n"
        "fail: maybe\n"
        "log:\n"
        "  level: info\n");
    EXPECT_EQ(loaded.config, std::nullopt);
    EXPECT_THAT(
        loaded.errors,
        ElementsAre(
            "c.yaml:2:11: error: 'queue.number' must be an integer from 0 to 65535, not 'x'",
            "c.yaml:3:3: error: unknown key 'nmber' in section 'queue'",
            "c.yaml:4:7: error: 'fail' must be one of open, closed, not 'maybe'"));
}

TEST(Config, UnknownNestedKeyIsNamedAtItsPosition) {
    EXPECT_THAT(load("queue: {nmber: 1}\n").errors,
                ElementsAre("c.yaml:1:9: error: unknown key 'nmber' in section 'queue'"));
}

TEST(Config, UnknownTopLevelKeyIsNamedAtItsPosition) {
    EXPECT_THAT(load("fail: open\ndsn:\n  observer: off\n").errors,
                ElementsAre("c.yaml:2:1: error: unknown key 'dsn' in the config file"));
}

TEST(Config, DuplicateKeyIsAnErrorNotALastOneWins) {
    EXPECT_THAT(load("fail: open\nfail: closed\n").errors,
                ElementsAre("c.yaml:2:1: error: duplicate key 'fail' in the config file"));
    EXPECT_THAT(load("queue:\n  number: 1\n  number: 2\n").errors,
                ElementsAre("c.yaml:3:3: error: duplicate key 'number' in section 'queue'"));
    EXPECT_THAT(load("queue:\n  number: 1\nqueue:\n  max_len: 2\n").errors,
                ElementsAre("c.yaml:3:1: error: duplicate key 'queue' in the config file"));
}

TEST(Config, RepeatedKeyIsReportedOnceNotAlsoForItsValue) {
    EXPECT_THAT(load("fail: maybe\nfail: nope\n").errors,
                ElementsAre("c.yaml:1:7: error: 'fail' must be one of open, closed, not 'maybe'",
                            "c.yaml:2:1: error: duplicate key 'fail' in the config file"));
}

TEST(Config, YamlSyntaxErrorIsOneDiagnosticWithAPosition) {
    const auto loaded = load("fail: open\nqueue: [1, 2\n");
    EXPECT_EQ(loaded.config, std::nullopt);
    EXPECT_THAT(loaded.errors, ElementsAre("c.yaml:3:1: error: end of sequence flow not found"));
}

TEST(Config, DiagnosticsAlreadyCollectedStayFirst) {
    Diagnostics diagnostics{Diagnostic{"other.yaml", 9, 9, "earlier"}};
    EXPECT_EQ(parse_config("fail: maybe\n", "c.yaml", diagnostics), std::nullopt);
    ASSERT_EQ(diagnostics.size(), 2u);
    EXPECT_EQ(diagnostics[0].file, "other.yaml");
    EXPECT_EQ(diagnostics[1].to_string(),
              "c.yaml:1:7: error: 'fail' must be one of open, closed, not 'maybe'");
}

TEST(Config, RemembersWhereEachKeyWasSet) {
    const auto loaded = load("fail: closed\nqueue:\n  max_len: 10\n");
    ASSERT_TRUE(loaded.config);
    const auto* max_len = loaded.config->origins.find("queue.max_len");
    ASSERT_NE(max_len, nullptr);
    EXPECT_EQ(*max_len, (SourcePosition{"c.yaml", 3, 12}));
    const auto* fail = loaded.config->origins.find("fail");
    ASSERT_NE(fail, nullptr);
    EXPECT_EQ(*fail, (SourcePosition{"c.yaml", 1, 7}));
    EXPECT_EQ(loaded.config->origins.find("queue.number"), nullptr);
}

Config every_key_changed() {
    Config config = default_config();
    config.queue = {7, 8, 100};
    config.fail = FailPosture::kClosed;
    config.firewall = {FirewallBackend::kIptablesLegacy, 0x0000ff00, true};
    config.default_action = Action::kDeny;
    config.prompt = {90s, Action::kAllow, Action::kDeny};
    config.rules = {{"/etc/sluice/a,b", "/srv/rules #2", "/x: y", "/srv/r\u00e8gles"},
                    "/var/lib/sluice/'q'.yaml "};
    config.dns.observer = DnsObserver::kNflog;
    config.dbus = {{BusKind::kAddress, "unix:path=/run/sluice bus,guid=1"},
                   Authorization::kUid,
                   "#admins",
                   true};
    config.log = {LogLevel::kTrace, LogTarget::kJournal};
    return config;
}

TEST(Config, ToYamlReadsBackToTheSameConfig) {
    for (const auto& config : {default_config(), every_key_changed()}) {
        const auto yaml = to_yaml(config);
        const auto loaded = load(yaml);
        EXPECT_THAT(loaded.errors, IsEmpty()) << yaml;
        EXPECT_EQ(loaded.config, config) << yaml;
    }
}

TEST(Config, EveryKeyChangedDiffersFromDefaultsInEveryKey) {
    // Guards the round trip test: a key every_key_changed() forgot would round-trip trivially.
    const auto changed = to_yaml(every_key_changed());
    const auto defaults = to_yaml(default_config());
    std::istringstream changed_lines(changed);
    std::istringstream default_lines(defaults);
    std::string changed_line;
    std::string default_line;
    while (std::getline(changed_lines, changed_line) && std::getline(default_lines, default_line)) {
        if (default_line.find('#') != std::string::npos) {
            EXPECT_NE(changed_line.substr(0, changed_line.find(" #")),
                      default_line.substr(0, default_line.find(" #")));
        }
    }
}

TEST(Config, ToYamlWritesEachKeysDefaultAsTheSchemaShowsIt) {
    const auto yaml = to_yaml(default_config());
    for (const auto& key : config_keys()) {
        const auto leaf = key.path.substr(key.path.find('.') + 1);
        EXPECT_THAT(yaml, HasSubstr(leaf + ": " + key.default_text + " ")) << key.path;
    }
}

TEST(Config, ShippedConfigFileIsTheGeneratedDefaultsAndLoadsToThem) {
    const std::string path = std::string(SLUICE_SOURCE_DIR) + "/config/sluiced.yaml";
    Diagnostics diagnostics;
    const auto config = load_config_file(path, diagnostics);
    EXPECT_THAT(diagnostics, IsEmpty());
    EXPECT_EQ(config, default_config());
    EXPECT_EQ(read_source_file("config/sluiced.yaml"), default_config_yaml())
        << "config/sluiced.yaml is generated: replace it with the text above";
}

TEST(Config, DocsCarryTheGeneratedKeyTable) {
    EXPECT_THAT(read_source_file("docs/config.md"), HasSubstr(config_reference_markdown()))
        << "docs/config.md must contain this table verbatim:\n"
        << config_reference_markdown();
}

TEST(Config, ReferenceTextListsEveryKeyWithDefaultAllowedValuesAndDescription) {
    const auto text = config_reference_text();
    EXPECT_THAT(text, HasSubstr("  KEY                    DEFAULT                     ALLOWED\n"));
    EXPECT_THAT(text,
                HasSubstr("  fail                   open                        open | closed\n"
                          "      one posture for crash, stop, boot, upgrade, queue full\n"));
    for (const auto& key : config_keys()) {
        EXPECT_THAT(text, HasSubstr("  " + key.path + " ")) << key.path;
        EXPECT_THAT(text, HasSubstr("      " + key.description + "\n")) << key.path;
    }
    EXPECT_EQ(config_keys().size(), 20u);
}

TEST(Config, EnumsPrintAsTheConfigSpellsThem) {
    EXPECT_EQ(to_string(FailPosture::kClosed), "closed");
    EXPECT_EQ(to_string(FirewallBackend::kIptablesLegacy), "iptables-legacy");
    EXPECT_EQ(to_string(DnsObserver::kNflog), "nflog");
    EXPECT_EQ(to_string(Authorization::kPolkit), "polkit");
    EXPECT_EQ(to_string(LogTarget::kJournal), "journal");
    EXPECT_EQ(to_string(LogLevel::kWarn), "warn");
    EXPECT_EQ(to_string(BusKind::kSession), "session");
}

TEST(Config, LogLevelParsesItsConfigSpelling) {
    EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarn);
    EXPECT_EQ(parse_log_level("trace"), LogLevel::kTrace);
    EXPECT_EQ(parse_log_level("WARN"), std::nullopt);
    EXPECT_EQ(parse_log_level("warning"), std::nullopt);
}

class ConfigFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("sluice-config-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string write(const std::string& name, const std::string& text) {
        const auto path = directory_ / name;
        std::ofstream(path) << text;
        return path.string();
    }

    std::filesystem::path directory_;
};

TEST_F(ConfigFileTest, ErrorsNameTheFile) {
    const auto path = write("bad.yaml", "fail: maybe\n");
    Diagnostics diagnostics;
    EXPECT_EQ(load_config_file(path, diagnostics), std::nullopt);
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].to_string(),
              path + ":1:7: error: 'fail' must be one of open, closed, not 'maybe'");
}

TEST_F(ConfigFileTest, GoodFileLoads) {
    const auto path = write("good.yaml", "log:\n  level: debug\n");
    Diagnostics diagnostics;
    const auto config = load_config_file(path, diagnostics);
    EXPECT_THAT(diagnostics, IsEmpty());
    ASSERT_TRUE(config);
    EXPECT_EQ(config->log.level, LogLevel::kDebug);
    EXPECT_EQ(*config->origins.find("log.level"), (SourcePosition{path, 2, 10}));
}

TEST_F(ConfigFileTest, MissingFileIsAnError) {
    const auto path = (directory_ / "absent.yaml").string();
    Diagnostics diagnostics;
    EXPECT_EQ(load_config_file(path, diagnostics), std::nullopt);
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].to_string(),
              path + ":0:0: error: cannot read file: No such file or directory");
}

TEST_F(ConfigFileTest, OversizedFileIsAnErrorNotReadWhole) {
    const auto path = write("huge.yaml", std::string(std::size_t{1024} * 1024, '#') + "\n");
    Diagnostics diagnostics;
    EXPECT_EQ(load_config_file(path, diagnostics), std::nullopt);
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].to_string(),
              path + ":0:0: error: cannot read file: larger than 1048576 bytes");
}

TEST_F(ConfigFileTest, DirectoryIsAnErrorNotAnEmptyConfig) {
    Diagnostics diagnostics;
    EXPECT_EQ(load_config_file(directory_.string(), diagnostics), std::nullopt);
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].to_string(),
              directory_.string() + ":0:0: error: cannot read file: Is a directory");
}

}  // namespace
}  // namespace sluice
