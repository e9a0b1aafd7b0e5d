// The data directory: one owner, and no fresh install over state whose database is gone.
#include "store/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store_test_util.h"

namespace rampart::store {
namespace {

using testing::TempDir;

DataDir::Options Dir(const std::string& path) {
  DataDir::Options o;
  o.path = path;
  return o;
}

void Touch(const std::string& path, const std::string& bytes = "x") {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(DataDirTest, CreatesAMissingDirectoryPrivate) {
  TempDir tmp;
  std::string path = tmp.File("new/data");
  auto d = DataDir::Open(Dir(path));
  ASSERT_OK(d);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE((*d)->fresh());
  EXPECT_EQ(LockHolderPid((*d)->LockPath()), static_cast<long>(::getpid()));
}

TEST(DataDirTest, SecondOwnerIsRefusedNamingTheHolder) {
  TempDir tmp;
  auto first = DataDir::Open(Dir(tmp.File("d")));
  ASSERT_OK(first);
  auto second = DataDir::Open(Dir(tmp.File("d")));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use by another rampart (pid " +
                                        std::to_string(::getpid()) + ")"),
            std::string::npos)
      << second.error().message;
  auto pid = RunningServerPid(tmp.File("d"));
  ASSERT_OK(pid);
  EXPECT_EQ(*pid, static_cast<long>(::getpid()));
  first->reset();
  auto third = DataDir::Open(Dir(tmp.File("d")));  // the lock went with the first owner
  ASSERT_OK(third);
  third->reset();
  EXPECT_FALSE(RunningServerPid(tmp.File("d")).ok());
}

TEST(DataDirTest, MissingDatabaseNextToStateIsRefused) {
  for (std::string leftover : {"root-credentials", "root.key", "events/events.log"}) {
    TempDir tmp;
    std::string dir = tmp.File("d");
    std::filesystem::create_directories(dir + "/events");
    Touch(dir + "/" + leftover);
    auto d = DataDir::Open(Dir(dir));
    ASSERT_FALSE(d.ok()) << leftover;
    EXPECT_NE(d.error().message.find("rampart.db is missing"), std::string::npos)
        << d.error().message;
    // An empty database file is no better than none.
    Touch(dir + "/rampart.db", "");
    d = DataDir::Open(Dir(dir));
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("rampart.db is empty"), std::string::npos)
        << d.error().message;
  }
}

TEST(DataDirTest, DatabaseWithoutItsRootKeyIsRefused) {
  TempDir tmp;
  std::string dir = tmp.File("d");
  std::filesystem::create_directories(dir);
  Touch(dir + "/rampart.db", "SQLite format 3");
  auto d = DataDir::Open(Dir(dir));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("root key " + dir + "/root.key is missing"), std::string::npos)
      << d.error().message;
  Touch(dir + "/root.key");
  d = DataDir::Open(Dir(dir));
  ASSERT_OK(d);
  EXPECT_FALSE((*d)->fresh());
}

TEST(DataDirTest, InMemoryDatabaseSkipsTheStateChecks) {
  TempDir tmp;
  std::string dir = tmp.File("d");
  std::filesystem::create_directories(dir + "/events");
  Touch(dir + "/events/events.log");
  DataDir::Options o;
  o.path = dir;
  o.database_in_memory = true;
  ASSERT_OK(DataDir::Open(o));
}

}  // namespace
}  // namespace rampart::store
