-- The keys that protect the public pages' forms (ASP.NET Core data protection's key ring), kept in
-- the database so that a form rendered by one gateway process is accepted by another, and so that
-- they are backed up with everything else.
CREATE TABLE form_keys (
    name        VARCHAR(200) NOT NULL PRIMARY KEY,
    xml         TEXT         NOT NULL,
    created_at  VARCHAR(32)  NOT NULL
);
