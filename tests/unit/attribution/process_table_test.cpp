#include "daemon/attribution/process_table.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/attribution/fake_proc.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using TimePoint = ProcessTable::TimePoint;

const TimePoint t0{100s};

ProcEvent event(ProcEvent::Kind kind, std::uint32_t pid, std::uint32_t parent = 0) {
    ProcEvent made;
    made.kind = kind;
    made.pid = pid;
    made.thread_id = pid;
    made.parent_pid = parent;
    return made;
}

class ProcessTableTest : public ::testing::Test {
  protected:
    ProcessTable open_table(std::size_t capacity = 64) {
        ProcessTable::Options options;
        options.proc_root = proc.root();
        options.capacity = capacity;
        options.exit_grace = 5s;
        options.on_exec = [this](const ProcessEntry& entry, Fd exe) {
            exec_seen.push_back(entry.info.pid);
            exec_files.push_back(exe ? file_key_of(exe.get()) : std::nullopt);
        };
        auto table = ProcessTable::open(options);
        EXPECT_TRUE(table.ok());
        return std::move(*table);
    }

    std::vector<std::uint32_t> order(const ProcessTable& table, std::optional<std::uint32_t> uid) {
        std::vector<std::uint32_t> pids;
        table.visit_by_recency(uid, [&](const ProcessEntry& entry) {
            pids.push_back(entry.info.pid);
            return true;
        });
        return pids;
    }

    test::FakeProcess process(std::uint64_t start, std::uint32_t uid, const std::string& exe) {
        test::FakeProcess made;
        made.start_time = start;
        made.uid = uid;
        made.exe = exe;
        return made;
    }

    test::FakeProc proc;
    std::vector<std::uint32_t> exec_seen;
    std::vector<std::optional<FileKey>> exec_files;
};

TEST_F(ProcessTableTest, ResyncReadsEveryProcessYoungestFirstAndTheUidsFirst) {
    const std::string shell = proc.make_file("sh", "shell");
    proc.add_process(10, process(100, 1000, shell));
    proc.add_process(20, process(300, 1000, shell));
    proc.add_process(30, process(200, 0, shell));
    ProcessTable table = open_table();
    table.resync(t0);

    EXPECT_EQ(table.live(), 3U);
    ASSERT_NE(table.find(20), nullptr);
    EXPECT_EQ(table.find(20)->info.exe, shell);
    EXPECT_EQ(order(table, 1000U), (std::vector<std::uint32_t>{20, 10, 30}));
    EXPECT_EQ(order(table, std::nullopt), (std::vector<std::uint32_t>{20, 30, 10}));
}

TEST_F(ProcessTableTest, AWalkedProcessRemembersItsExeFileOnceLookedAt) {
    const std::string shell = proc.make_file("sh", "shell");
    proc.add_process(10, process(100, 1000, shell));
    ProcessTable table = open_table();
    table.resync(t0);
    ASSERT_NE(table.find(10), nullptr);
    EXPECT_FALSE(table.find(10)->exe_file.has_value());

    const FileKey file{1, 2, 3, 4, 5};
    table.remember_exe_file(10, 999, file);  // another process that had pid 10
    EXPECT_FALSE(table.find(10)->exe_file.has_value());
    table.remember_exe_file(10, 100, file);
    EXPECT_EQ(table.find(10)->exe_file, file);
    table.remember_exe_file(10, 100, FileKey{9, 9, 9, 9, 9});  // the first answer stays
    EXPECT_EQ(table.find(10)->exe_file, file);
}

TEST_F(ProcessTableTest, ForkCopiesTheParentUntilExecReadsTheNewProgram) {
    const std::string shell = proc.make_file("sh", "shell");
    const std::string curl = proc.make_file("curl", "curl binary");
    proc.add_process(10, process(100, 1000, shell));
    ProcessTable table = open_table();
    table.resync(t0);

    proc.add_process(11, process(500, 1000, shell));
    table.apply(event(ProcEvent::Kind::kFork, 11, 10), t0);
    const ProcessEntry* child = table.find(11);
    ASSERT_NE(child, nullptr);
    EXPECT_EQ(child->info.exe, shell);
    EXPECT_EQ(child->info.ppid, 10U);
    EXPECT_EQ(child->info.start_time, 500U);
    EXPECT_EQ(order(table, 1000U).front(), 11U);

    auto execed = process(500, 1000, curl);
    execed.cmdline = std::string("curl\0http://x/\0", 15);
    proc.add_process(11, execed);
    table.apply(event(ProcEvent::Kind::kExec, 11), t0);
    child = table.find(11);
    ASSERT_NE(child, nullptr);
    EXPECT_EQ(child->info.exe, curl);
    EXPECT_EQ(child->info.cmdline, (std::vector<std::string>{"curl", "http://x/"}));
    ASSERT_TRUE(child->exe_file.has_value());
    EXPECT_EQ(exec_seen, (std::vector<std::uint32_t>{11}));
    EXPECT_EQ(exec_files.front(), child->exe_file);
    EXPECT_EQ(table.counters().execs, 1U);
}

TEST_F(ProcessTableTest, ThreadsAreNotProcesses) {
    proc.add_process(10, process(100, 1000, ""));
    ProcessTable table = open_table();
    table.resync(t0);
    ProcEvent thread = event(ProcEvent::Kind::kFork, 10, 10);
    thread.thread_id = 12;
    table.apply(thread, t0);
    ProcEvent thread_exit = event(ProcEvent::Kind::kExit, 10);
    thread_exit.thread_id = 12;
    table.apply(thread_exit, t0);

    EXPECT_EQ(table.size(), 1U);
    ASSERT_NE(table.find(10), nullptr);
    EXPECT_TRUE(table.find(10)->alive());
}

TEST_F(ProcessTableTest, AnExitedProcessStaysForTheGracePeriodOnly) {
    proc.add_process(10, process(100, 1000, ""));
    ProcessTable table = open_table();
    table.resync(t0);
    table.apply(event(ProcEvent::Kind::kExit, 10), t0 + 1s);

    const ProcessEntry* gone = table.find(10);
    ASSERT_NE(gone, nullptr);
    EXPECT_FALSE(gone->alive());
    EXPECT_TRUE(order(table, std::nullopt).empty());
    std::vector<std::uint32_t> exited;
    table.visit_exited_since(1000, t0,
                             [&](const ProcessEntry& e) { exited.push_back(e.info.pid); });
    EXPECT_EQ(exited, (std::vector<std::uint32_t>{10}));
    exited.clear();
    table.visit_exited_since(1000, t0 + 2s,
                             [&](const ProcessEntry& e) { exited.push_back(e.info.pid); });
    EXPECT_TRUE(exited.empty());

    table.expire(t0 + 6s - 1ms);
    EXPECT_NE(table.find(10), nullptr);
    table.expire(t0 + 6s);
    EXPECT_EQ(table.find(10), nullptr);
    EXPECT_EQ(table.counters().expired, 1U);
}

TEST_F(ProcessTableTest, UidChangeMovesTheProcessToItsNewUser) {
    proc.add_process(10, process(100, 0, ""));
    proc.add_process(20, process(200, 1000, ""));
    ProcessTable table = open_table();
    table.resync(t0);
    ProcEvent setuid = event(ProcEvent::Kind::kUid, 10);
    setuid.real_id = 1000;
    setuid.effective_id = 1000;
    table.apply(setuid, t0);

    EXPECT_EQ(table.find(10)->info.uid, 1000U);
    EXPECT_EQ(order(table, 1000U), (std::vector<std::uint32_t>{20, 10}));
    EXPECT_EQ(order(table, 0U), (std::vector<std::uint32_t>{20, 10}));
}

TEST_F(ProcessTableTest, ExecOfAProcessAlreadyGoneForgetsWhatForkCopied) {
    const std::string shell = proc.make_file("sh", "shell");
    proc.add_process(10, process(100, 1000, shell));
    ProcessTable table = open_table();
    table.resync(t0);
    proc.add_process(11, process(500, 1000, shell));
    table.apply(event(ProcEvent::Kind::kFork, 11, 10), t0);
    proc.remove_process(11);
    table.apply(event(ProcEvent::Kind::kExec, 11), t0);

    const ProcessEntry* child = table.find(11);
    ASSERT_NE(child, nullptr);
    EXPECT_EQ(child->info.exe, "");
    EXPECT_TRUE(child->info.cmdline.empty());
    EXPECT_FALSE(child->exe_file.has_value());
    EXPECT_EQ(table.counters().unreadable, 1U);
}

TEST_F(ProcessTableTest, ExecOfAProcessAlreadyGoneUsesTheFilesTheKernelOpened) {
    const std::string shell = proc.make_file("sh", "shell");
    const std::string script = proc.make_file("tool.py", "#!/usr/bin/python3\nprint(1)\n");
    const std::string python = proc.make_file("python3",
                                              "\x7f"
                                              "ELF python");
    const std::string loader = proc.make_file("ld.so",
                                              "\x7f"
                                              "ELF loader");
    proc.add_process(10, process(100, 1000, shell));
    ProcessTable table = open_table();
    table.resync(t0);
    table.apply(event(ProcEvent::Kind::kFork, 11, 10), t0);
    for (const auto& path : {script, python, loader}) {
        table.note_exec_open({11, Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC))});
    }
    table.apply(event(ProcEvent::Kind::kExec, 11), t0);

    const ProcessEntry* child = table.find(11);
    ASSERT_NE(child, nullptr);
    EXPECT_EQ(child->info.exe, python);
    EXPECT_EQ(child->info.uid, 1000U);  // as fork copied it
    ASSERT_TRUE(child->exe_file.has_value());
    EXPECT_EQ(exec_files.back(), child->exe_file);
}

TEST_F(ProcessTableTest, FullTableEvictsExitedProcessesBeforeRefusingNewOnes) {
    proc.add_process(10, process(100, 1000, ""));
    proc.add_process(20, process(200, 1000, ""));
    ProcessTable table = open_table(2);
    table.resync(t0);
    table.apply(event(ProcEvent::Kind::kExit, 10), t0);
    proc.add_process(30, process(300, 1000, ""));
    table.apply(event(ProcEvent::Kind::kFork, 30, 20), t0);
    EXPECT_NE(table.find(30), nullptr);
    EXPECT_EQ(table.find(10), nullptr);

    proc.add_process(40, process(400, 1000, ""));
    table.apply(event(ProcEvent::Kind::kFork, 40, 20), t0);
    EXPECT_EQ(table.find(40), nullptr);
    EXPECT_EQ(table.counters().refused_full, 1U);
    EXPECT_EQ(table.size(), 2U);
}

TEST_F(ProcessTableTest, PidReuseIsToldApartByStartTime) {
    proc.add_process(10, process(100, 1000, ""));
    ProcessTable table = open_table();
    table.resync(t0);
    EXPECT_NE(table.find(10, 100), nullptr);
    EXPECT_EQ(table.find(10, 101), nullptr);
}

TEST_F(ProcessTableTest, ResyncMarksVanishedProcessesExitedAndKeepsSurvivorsInPlace) {
    proc.add_process(10, process(100, 1000, ""));
    proc.add_process(20, process(200, 1000, ""));
    ProcessTable table = open_table();
    table.resync(t0);
    table.touch(10);
    proc.remove_process(20);
    proc.add_process(30, process(300, 1000, ""));
    table.resync(t0 + 1s);

    EXPECT_FALSE(table.find(20)->alive());
    EXPECT_EQ(order(table, 1000U), (std::vector<std::uint32_t>{30, 10}));
    EXPECT_EQ(table.counters().resyncs, 2U);
}

TEST_F(ProcessTableTest, AncestorsFollowTheParentChain) {
    auto init = process(1, 0, "");
    init.ppid = 0;
    proc.add_process(1, init);
    auto shell = process(10, 1000, "");
    shell.ppid = 1;
    proc.add_process(10, shell);
    auto child = process(20, 1000, "");
    child.ppid = 10;
    proc.add_process(20, child);
    ProcessTable table = open_table();
    table.resync(t0);

    EXPECT_EQ(table.ancestors(20, 16), (std::vector<std::uint32_t>{10, 1}));
    EXPECT_EQ(table.ancestors(20, 1), (std::vector<std::uint32_t>{10}));
    EXPECT_TRUE(table.ancestors(99, 16).empty());
}

TEST_F(ProcessTableTest, RefreshReadsAProcessTheEventsMissed) {
    ProcessTable table = open_table();
    proc.add_process(50, process(700, 1000, ""));
    const ProcessEntry* entry = table.refresh(50, t0);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->info.start_time, 700U);
    EXPECT_EQ(table.refresh(51, t0), nullptr);
}

TEST(ProcessTableOpen, MissingProcRootIsAnError) {
    ProcessTable::Options options;
    options.proc_root = "/nonexistent/proc";
    const auto table = ProcessTable::open(options);
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.error().message(), "opening /nonexistent/proc: No such file or directory");
}

}  // namespace
}  // namespace sluice
