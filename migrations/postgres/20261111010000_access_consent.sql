-- Access control (issue 11).
--
-- A learner's data opens to a teacher only by the learner's consent: a class has a join
-- code and invitations by e-mail that the learner accepts or declines; `class_members`
-- holds accepted members only, and `member_count` caps a class's size atomically.
-- Memberships made before consent existed (a teacher added the account alone) become
-- pending invitations the learner may accept within 14 days.
--
-- Service tokens get an id (`jti`) and a revocation list.

ALTER TABLE classes ADD COLUMN join_code TEXT;
ALTER TABLE classes ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
UPDATE classes SET join_code = upper(substr(md5(random()::text || id), 1, 10));
CREATE UNIQUE INDEX classes_join_code ON classes(join_code);

CREATE TABLE class_invitations (
    id         TEXT PRIMARY KEY,
    class_id   TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (class_id, email)
);
CREATE INDEX class_invitations_email ON class_invitations(email);

INSERT INTO class_invitations (id, class_id, email, invited_by, created_at, expires_at)
SELECT md5(random()::text || m.class_id || m.user_id), m.class_id, u.email, c.teacher_id,
       (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT,
       (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT + 1209600000
FROM class_members m
JOIN users u ON u.id = m.user_id
JOIN classes c ON c.id = m.class_id;
DELETE FROM class_members;

CREATE TABLE service_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
