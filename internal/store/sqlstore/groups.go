package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scimfilter"
	"postfixadmin-scim/internal/sqltemplate"
	"postfixadmin-scim/internal/store"
)

// The generated alias structs of every engine have exactly these shapes.
type (
	groupRowShape = struct {
		Address, Goto, Domain   string
		Active                  bool
		Created, Modified       *time.Time
		Description, ExternalID string
	}
	updateGotoShape = struct {
		Goto    string
		Active  bool
		Address string
	}
	descriptionShape  = struct{ Description, Address string }
	mailboxNameShape  = struct{ Username, Name string }
	aliasTargetsShape = struct {
		Address, Goto, Domain string
		Active                bool
	}
	groupTargetsShape = struct{ Address, Goto, Description string }
)

type groupQueries[G, R ~groupRowShape, L any, U ~updateGotoShape, D ~descriptionShape, N ~mailboxNameShape, T ~aliasTargetsShape, GT ~groupTargetsShape] interface {
	ListGroupTargets(ctx context.Context) ([]GT, error)
	GetGroup(ctx context.Context, address string) (G, error)
	ListGroups(ctx context.Context, arg L) ([]R, error)
	UpdateAliasGoto(ctx context.Context, arg U) (int64, error)
	SetAliasDescription(ctx context.Context, arg D) error
	MailboxNames(ctx context.Context) ([]N, error)
	AliasesTargeting(ctx context.Context, target string) ([]T, error)
}

// groupOps is the engine-independent face of groupAdapter.
type groupOps[Q any] interface {
	get(ctx context.Context, q Q, address string) (groupRowShape, error)
	list(ctx context.Context, q Q, page store.Page) ([]groupRowShape, error)
	setGoto(ctx context.Context, q Q, address, gotoCol string, active bool) (int64, error)
	setDescription(ctx context.Context, q Q, address, description string) error
	mailboxNames(ctx context.Context, q Q, addresses []string) (map[string]string, error)
	targeting(ctx context.Context, q Q, target string) ([]aliasTargetsShape, error)
	targets(ctx context.Context, q Q) ([]groupTargetsShape, error)
}

type groupAdapter[Q groupQueries[G, R, L, U, D, N, T, GT], G, R ~groupRowShape, L any, U ~updateGotoShape, D ~descriptionShape, N ~mailboxNameShape, T ~aliasTargetsShape, GT ~groupTargetsShape] struct {
	page   func(store.Page) L
	inList func(values []string) sqltemplate.Fragment // the body of an IN list of values
}

func (a groupAdapter[Q, G, R, L, U, D, N, T, GT]) get(ctx context.Context, q Q, address string) (groupRowShape, error) {
	r, err := q.GetGroup(ctx, address)
	return groupRowShape(r), err
}

func (a groupAdapter[Q, G, R, L, U, D, N, T, GT]) list(ctx context.Context, q Q, page store.Page) ([]groupRowShape, error) {
	rows, err := q.ListGroups(ctx, a.page(page))
	out := make([]groupRowShape, len(rows))
	for i, r := range rows {
		out[i] = groupRowShape(r)
	}
	return out, err
}

func (a groupAdapter[Q, G, R, L, U, D, N, T, GT]) setGoto(ctx context.Context, q Q, address, gotoCol string, active bool) (int64, error) {
	return q.UpdateAliasGoto(ctx, U{Goto: gotoCol, Active: active, Address: address})
}

func (a groupAdapter[Q, G, R, L, U, D, N, T, GT]) setDescription(ctx context.Context, q Q, address, description string) error {
	return q.SetAliasDescription(ctx, D{Description: description, Address: address})
}

func (a groupAdapter[Q, G, R, L, U, D, N, T, GT]) mailboxNames(ctx context.Context, q Q, addresses []string) (map[string]string, error) {
	out := make(map[string]string)
	if len(addresses) == 0 {
		return out, nil
	}
	rows, err := q.MailboxNames(sqltemplate.With(ctx, map[string]sqltemplate.Fragment{"addresses": a.inList(addresses)}))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		row := mailboxNameShape(r)
		out[row.Username] = row.Name
	}
	return out, nil
}

// The engines' ways to pass a list of strings for "IN (...)": SQLite binds
// each numbered parameter in time growing with their count, so a list of
// thousands goes as one JSON argument there and on PostgreSQL; MySQL's
// driver interpolates placeholders cheaply (and older MariaDB has no JSON_TABLE).

func jsonList(fn string) func([]string) sqltemplate.Fragment {
	return func(values []string) sqltemplate.Fragment {
		b, _ := json.Marshal(values)
		return sqltemplate.Fragment{SQL: "SELECT value FROM " + fn, Args: []any{string(b)}}
	}
}

func placeholderList(values []string) sqltemplate.Fragment {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	in := strings.Repeat("?, ", len(values))
	return sqltemplate.Fragment{SQL: in[:len(in)-2], Args: args}
}

func (a groupAdapter[Q, G, R, L, U, D, N, T, GT]) targeting(ctx context.Context, q Q, target string) ([]aliasTargetsShape, error) {
	rows, err := q.AliasesTargeting(ctx, target)
	out := make([]aliasTargetsShape, len(rows))
	for i, r := range rows {
		out[i] = aliasTargetsShape(r)
	}
	return out, err
}

func (a groupAdapter[Q, G, R, L, U, D, N, T, GT]) targets(ctx context.Context, q Q) ([]groupTargetsShape, error) {
	rows, err := q.ListGroupTargets(ctx)
	out := make([]groupTargetsShape, len(rows))
	for i, r := range rows {
		out[i] = groupTargetsShape(r)
	}
	return out, err
}

// groupAttributes is the whitelist for filters and sortBy on Groups; isTarget
// writes the engine's goto membership condition.
func groupAttributes(isTarget func(target, gotoCol string) string, descriptions, externalIDs bool) scimfilter.Attributes {
	address := scimfilter.Field{Column: "a.address", Type: scimfilter.String, Lowered: true}
	displayName := scimfilter.Field{Column: "a.address", Type: scimfilter.String, Lowered: true}
	if descriptions {
		displayName = scimfilter.Field{Column: "CASE WHEN a.description <> '' THEN a.description ELSE a.address END", Type: scimfilter.String}
	}
	target := scimfilter.Field{Column: "a.goto", Type: scimfilter.String, Lowered: true, Eq: isTarget("?", "a.goto"), EqOnly: true}
	a := scimfilter.Attributes{
		Fields: map[string]scimfilter.Field{
			"id":                    address,
			"displayname":           displayName,
			"meta.created":          {Column: "a.created", Type: scimfilter.Time},
			"meta.lastmodified":     {Column: "a.modified", Type: scimfilter.Time},
			"alias:address":         address,
			"alias:externalmembers": target,
			"alias:active":          {Column: "a.active", Type: scimfilter.Bool},
		},
		Multi: map[string][]scimfilter.Element{
			"members": {{Fields: map[string]scimfilter.Field{"value": target, "type": {Const: "User", Type: scimfilter.String}}}},
		},
	}
	if externalIDs {
		withExternalID(a, "Group", "a.address")
	}
	return a
}

func (s *Store[Q]) groupFromRow(r groupRowShape, mailboxes map[string]string) store.Group {
	g := store.Group{
		Address: r.Address, Domain: r.Domain, Description: r.Description, Active: r.Active,
		Created: deref(r.Created), Modified: deref(r.Modified), ExternalID: r.ExternalID,
	}
	for _, t := range store.DecodeGoto(r.Address, r.Goto) {
		name, ok := mailboxes[t]
		g.Targets = append(g.Targets, store.Target{Address: t, Mailbox: ok, Name: name})
	}
	return g
}

// groups reads the targets' mailboxes of rows in one query.
func (s *Store[Q]) groups(ctx context.Context, q Q, rows []groupRowShape) ([]store.Group, error) {
	var targets []string
	for _, r := range rows {
		targets = append(targets, store.DecodeGoto(r.Address, r.Goto)...)
	}
	slices.Sort(targets)
	names, err := s.groupOps.mailboxNames(ctx, q, slices.Compact(targets))
	if err != nil {
		return nil, err
	}
	out := make([]store.Group, len(rows))
	for i, r := range rows {
		out[i] = s.groupFromRow(r, names)
	}
	return out, nil
}

func (s *Store[Q]) getGroup(ctx context.Context, q Q, address string) (store.Group, error) {
	r, err := s.groupOps.get(s.withCompanions(ctx), q, address)
	if err != nil {
		return store.Group{}, err
	}
	g, err := s.groups(ctx, q, []groupRowShape{r})
	if err != nil {
		return store.Group{}, err
	}
	return g[0], nil
}

func (s *Store[Q]) GetGroup(ctx context.Context, address string) (store.Group, error) {
	var g store.Group
	err := s.read(ctx, func(q Q) (err error) {
		g, err = s.getGroup(ctx, q, address)
		return err
	})
	return g, err
}

func (s *Store[Q]) ListGroups(ctx context.Context, query store.Query) ([]store.Group, int, error) {
	lq, err := translate(s.withCompanions(ctx), "Group", s.found().groupAttrs, "a.address", query)
	if err != nil {
		return nil, 0, err
	}
	var out []store.Group
	var total int64
	err = s.read(lq.ctx, func(q Q) error {
		var err error
		if total, err = s.counts.cachedCount(lq.countKey, func() (int64, error) { return q.CountGroups(lq.ctx) }); err != nil {
			return err
		}
		if lq.page.Limit == 0 {
			out = []store.Group{}
			return nil
		}
		rows, err := s.groupOps.list(lq.ctx, q, lq.page)
		if err != nil {
			return err
		}
		out, err = s.groups(ctx, q, rows)
		return err
	})
	return out, int(total), err
}

// checkTargets verifies, in the write transaction, that w's members are
// mailboxes of this server and its external targets are not, and that its
// goto fits the column. Targets cur already holds were classified when cur
// was read in this transaction: only the others are looked up, so adding one
// member to a large alias reads one mailbox. It returns the names of the
// mailboxes among w's targets.
func (s *Store[Q]) checkTargets(ctx context.Context, q Q, w store.GroupWrite, cur []store.Target) (map[string]string, error) {
	names := map[string]string{}
	known := map[string]bool{}
	for _, t := range cur {
		known[t.Address] = true
		if t.Mailbox {
			names[t.Address] = t.Name
		}
	}
	var unknown []string
	for _, t := range append(slices.Clone(w.Members), w.External...) {
		if !known[t] {
			unknown = append(unknown, t)
		}
	}
	found, err := s.groupOps.mailboxNames(ctx, q, unknown)
	if err != nil {
		return nil, err
	}
	for a, n := range found {
		names[a] = n
	}
	for _, m := range w.Members {
		if _, ok := names[m]; !ok {
			return nil, fault.New(fault.Invalid, "member %q is not a User of this server (a mailbox); put other addresses in externalMembers", m)
		}
	}
	for _, e := range w.External {
		if _, ok := names[e]; ok {
			return nil, fault.New(fault.Invalid, "externalMembers %q is a User of this server: list it in members", e)
		}
	}
	if err := s.fit("members", "alias", "goto", strings.Join(w.Goto, ",")); err != nil {
		return nil, err
	}
	return names, nil
}

func (s *Store[Q]) setAliasDescription(ctx context.Context, q Q, address, description string) error {
	if !s.found().aliasDescriptions {
		return fault.New(fault.Invalid, "this PostfixAdmin layout has no alias.description (it came with PostfixAdmin master): displayName can only be the address %s", address)
	}
	if err := s.fit("displayName", "alias", "description", description); err != nil {
		return err
	}
	return s.groupOps.setDescription(ctx, q, address, description)
}

func (s *Store[Q]) CreateGroup(ctx context.Context, by store.Actor, w store.GroupWrite) error {
	return s.write(ctx, func(q Q) error {
		d, err := s.lockDomain(ctx, q, w.Domain)
		if err != nil {
			return err
		}
		if n, err := q.AliasExists(ctx, w.Address); err != nil {
			return err
		} else if n > 0 {
			return fault.New(fault.Conflict, "%s already exists in PostfixAdmin (as an alias or a mailbox)", w.Address)
		}
		aliases, err := q.CountAliasesOfDomain(ctx, d.Name)
		if err != nil {
			return err
		}
		mailboxes, err := q.CountMailboxesOfDomain(ctx, d.Name)
		if err != nil {
			return err
		}
		if err := store.CheckAliasCount(d, aliases, mailboxes); err != nil {
			return err
		}
		if _, err := s.checkTargets(ctx, q, w, nil); err != nil {
			return err
		}
		gotoCol, active := store.EncodeGoto(w.Address, w.Goto, true)
		if err := s.meta.insertAlias(ctx, q, store.Alias{Address: w.Address, Goto: gotoCol, Domain: d.Name, Active: active}); err != nil {
			if s.isUnique(err) {
				return fault.New(fault.Conflict, "%s already exists in PostfixAdmin (as an alias or a mailbox)", w.Address)
			}
			return err
		}
		if w.Description != "" {
			if err := s.setAliasDescription(ctx, q, w.Address, w.Description); err != nil {
				return err
			}
		}
		if err := s.setExternalID(ctx, q, "Group", w.Address, w.ExternalID, false); err != nil {
			return err
		}
		return s.meta.log(ctx, q, by, d.Name, "create_alias", w.Address)
	})
}

func (s *Store[Q]) UpdateGroup(ctx context.Context, by store.Actor, address string, change func(cur store.Group) (store.GroupWrite, error)) (store.Group, error) {
	var out store.Group
	err := s.write(ctx, func(q Q) error {
		d, err := s.lockDomainOf(ctx, q, address)
		if err != nil {
			return err
		}
		cur, err := s.getGroup(ctx, q, address)
		if err != nil {
			return err
		}
		w, err := change(cur)
		if err != nil {
			return err
		}
		w.Address, w.Domain = cur.Address, cur.Domain
		if !w.Changes(cur) {
			out = cur
			return nil
		}
		names, err := s.checkTargets(ctx, q, w, cur.Targets)
		if err != nil {
			return err
		}
		// An empty group's active flag is the mark's: targets make it active.
		gotoCol, active := store.EncodeGoto(cur.Address, w.Goto, cur.Active || len(cur.Targets) == 0)
		if _, err := s.groupOps.setGoto(ctx, q, cur.Address, gotoCol, active); err != nil {
			return err
		}
		if w.Description != cur.Description {
			if err := s.setAliasDescription(ctx, q, cur.Address, w.Description); err != nil {
				return err
			}
		}
		if w.ExternalID != cur.ExternalID {
			if err := s.setExternalID(ctx, q, "Group", cur.Address, w.ExternalID, true); err != nil {
				return err
			}
		}
		if err := s.meta.log(ctx, q, by, d.Name, "edit_alias", cur.Address); err != nil {
			return err
		}
		// Read back the row (its modified time); the targets are classified.
		r, err := s.groupOps.get(s.withCompanions(ctx), q, cur.Address)
		out = s.groupFromRow(r, names)
		return err
	})
	return out, err
}

func (s *Store[Q]) DeleteGroup(ctx context.Context, by store.Actor, address string, check func(cur store.Group) error) error {
	return s.write(ctx, func(q Q) error {
		if _, err := s.lockDomainOf(ctx, q, address); err != nil {
			return err
		}
		cur, err := s.getGroup(ctx, q, address)
		if err != nil {
			return err
		}
		if err := check(cur); err != nil {
			return err
		}
		// Rows affected, not the read above, decide: of parallel deletes one
		// removes the row, the others find it gone (RFC 7644 §3.6: 404).
		if n, err := q.DeleteGroup(ctx, address); err != nil {
			return err
		} else if n == 0 {
			return fault.New(fault.NotFound, "Resource not found.")
		}
		if s.found().externalIDs {
			if err := q.DeleteGroupExternalID(ctx, address); err != nil {
				return err
			}
		}
		return s.meta.log(ctx, q, by, cur.Domain, "delete_alias", address)
	})
}

// dropTarget removes a deleted mailbox from every alias that delivers to it,
// each change logged as the alias edit it is. PostfixAdmin leaves such
// targets dangling (MailboxHandler::delete()); Postfix would then bounce or
// loop on them. An alias left without targets is handled as EncodeGoto says;
// a mailbox's own alias left without targets delivers to its mailbox again.
func (s *Store[Q]) dropTarget(ctx context.Context, q Q, by store.Actor, target string) error {
	rows, err := s.groupOps.targeting(ctx, q, target)
	if err != nil || len(rows) == 0 {
		return err
	}
	addresses := make([]string, len(rows))
	for i, r := range rows {
		addresses[i] = r.Address
	}
	mailboxes, err := s.groupOps.mailboxNames(ctx, q, addresses)
	if err != nil {
		return err
	}
	for _, r := range rows {
		left := slices.DeleteFunc(store.DecodeGoto(r.Address, r.Goto), func(t string) bool { return t == target })
		gotoCol, active := store.EncodeGoto(r.Address, left, r.Active)
		if _, self := mailboxes[r.Address]; self && len(left) == 0 {
			gotoCol, active = r.Address, r.Active
		}
		if _, err := s.groupOps.setGoto(ctx, q, r.Address, gotoCol, active); err != nil {
			return err
		}
		if err := s.meta.log(ctx, q, by, r.Domain, "edit_alias", r.Address); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store[Q]) GroupsOf(ctx context.Context, usernames []string) (map[string][]store.GroupRef, error) {
	want := make(map[string]bool, len(usernames))
	for _, u := range usernames {
		want[u] = true
	}
	out := make(map[string][]store.GroupRef, len(usernames))
	err := s.read(s.withCompanions(ctx), func(q Q) error {
		rows, err := s.groupOps.targets(s.withCompanions(ctx), q)
		if err != nil {
			return err
		}
		for _, r := range rows {
			for _, t := range store.DecodeGoto(r.Address, r.Goto) {
				if want[t] {
					out[t] = append(out[t], store.GroupRef{Address: r.Address, Description: r.Description})
				}
			}
		}
		return nil
	})
	return out, err
}
