// DatabaseTest: a GoogleTest fixture with one throwaway PostgreSQL cluster per test binary
// (started by the first test that needs it, stopped at exit) and an empty `public` schema for
// every test. Shared by tests/db and tests/worker.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>

#include "tests/support/test_postgres.h"

namespace roadsense::testing {

class DatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Cluster() == nullptr) Cluster() = std::make_unique<TestPostgres>();
  }
  static void TearDownTestSuite() {}  // the cluster lives until the process exits

  void SetUp() override {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    txn.exec("DROP SCHEMA IF EXISTS public CASCADE");
    txn.exec("CREATE SCHEMA public");
    txn.commit();
  }

  static std::string ConnectionString() { return Cluster()->ConnectionString(); }

  // Runs one query in its own transaction and returns the first column of the first row.
  template <typename T>
  static T QueryValue(const std::string& sql) {
    pqxx::connection c(ConnectionString());
    pqxx::work txn(c);
    return txn.exec1(sql)[0].as<T>();
  }

 private:
  static std::unique_ptr<TestPostgres>& Cluster() {
    static std::unique_ptr<TestPostgres> cluster;
    return cluster;
  }
};

}  // namespace roadsense::testing
