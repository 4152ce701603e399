-- The magazine's staff who use the editor's desk (/admin): one row per named account, created with
-- the `staff` verbs. The password is kept only as ASP.NET Core's salted PBKDF2 hash. security_stamp
-- changes with the password (or a removal), which ends every session opened before. Failed sign-ins
-- are counted per account; past the limit the account is locked until locked_until.
CREATE TABLE staff (
    name             VARCHAR(64)  NOT NULL PRIMARY KEY,
    email            VARCHAR(320) NOT NULL,
    role             VARCHAR(16)  NOT NULL,
    password_hash    TEXT         NOT NULL,
    security_stamp   CHAR(32)     NOT NULL,
    failed_sign_ins  INTEGER      NOT NULL,
    locked_until     VARCHAR(32)  NULL,
    last_sign_in_at  VARCHAR(32)  NULL,
    created_at       VARCHAR(32)  NOT NULL,
    updated_at       VARCHAR(32)  NOT NULL
);

-- A subscriber import checked (dry run) at the desk and waiting for the administrator to apply it:
-- the file is kept here, not in a browser form, so that what is applied is exactly what was checked,
-- whichever gateway process takes the second request. Applied or abandoned imports are deleted.
CREATE TABLE desk_imports (
    import_id   CHAR(32)     NOT NULL PRIMARY KEY,
    staff_name  VARCHAR(64)  NOT NULL,
    file_name   VARCHAR(200) NOT NULL,
    source      VARCHAR(200) NULL,
    csv         TEXT         NOT NULL,
    created_at  VARCHAR(32)  NOT NULL
);
