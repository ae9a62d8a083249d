CREATE TABLE "applications" (
   "id" TEXT PRIMARY KEY,
   "reception_number" TEXT,
   "procedure_id" TEXT,
   "procedure_version" INTEGER,
   "created_at" TEXT,
   "practice" INTEGER,
   "sealed" BLOB,
   "status" TEXT
, "acknowledged_at" TEXT, "purged_at" TEXT);
CREATE TABLE "audit" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT,
   "action" TEXT,
   "application_id" TEXT,
   "detail" TEXT
);
CREATE TABLE "outbox" (
   "application_id" TEXT PRIMARY KEY REFERENCES "applications"("id"),
   "queued_at" TEXT,
   "attempts" INTEGER,
   "last_error" TEXT
, "state" TEXT NOT NULL DEFAULT 'queued', "next_attempt_at" TEXT, "quarantine_reason" TEXT);
CREATE TABLE "receipt_journal" (
   "id" INTEGER PRIMARY KEY,
   "application_id" TEXT,
   "at" TEXT,
   "outcome" TEXT,
   "detail" TEXT
);
CREATE TABLE "receipts" (
   "application_id" TEXT PRIMARY KEY REFERENCES "applications"("id"),
   "at" TEXT,
   "layout" TEXT
);
CREATE TABLE "reception_counter" (
   "day" TEXT PRIMARY KEY,
   "last_sequence" INTEGER
);
CREATE TABLE "staff_alerts" (
   "id" INTEGER PRIMARY KEY,
   "kind" TEXT,
   "at" TEXT,
   "detail" TEXT
);
CREATE TABLE "sync_state" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
