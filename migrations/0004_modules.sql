-- Modules: the dependency table of `import "name" as m;`. One row per (importer, imported module)
-- of the importer's live version. The manager rewrites a script's rows in the transaction that saves
-- or rolls it back, after checking that every import names a module of the same app, with no cycle
-- and no chain deeper than 8; it refuses to delete, rename or turn into an endpoint a module that is
-- still imported. Both sides cascade so that deleting an app (all its scripts at once) just works.
CREATE TABLE script_imports (
  script_id          uuid NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
  imported_script_id uuid NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
  PRIMARY KEY (script_id, imported_script_id),
  CHECK (script_id <> imported_script_id)
);
CREATE INDEX script_imports_imported_script_id_idx ON script_imports (imported_script_id);
