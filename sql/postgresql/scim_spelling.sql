-- postfixadmin-scim's own companion table (not part of PostfixAdmin): a User's
-- userName and name parts as the client spelled them, which PostfixAdmin cannot
-- keep (it stores the address lower-cased and one name). spelling is a JSON
-- object; it is returned only while mailbox.name is the name it went with.
-- Created only by "postfixadmin-scim migrate".
CREATE TABLE scim_user_spelling (
  username varchar(255) NOT NULL,
  spelling text NOT NULL,
  PRIMARY KEY (username)
);
