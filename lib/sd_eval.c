/*
 * sd_eval.c - access checks on security descriptors (MS-DTYP 2.5.3.2)
 * with conditional ACEs (MS-DTYP 2.4.4.17).
 *
 * The expression is a postfix token stream from the directory (or from
 * our SDDL compiler) and is untrusted: every token is bounds-checked, the
 * operand stack is limited, and anything malformed evaluates to UNKNOWN.
 * UNKNOWN never grants: an allow callback ACE applies only when its
 * condition is TRUE, a deny callback ACE whenever it is not FALSE
 * (MS-DTYP 2.5.3.2, "callback ACEs").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "sd_cond.h"

#define STACK_MAX 64
#define SET_MAX 256

enum vkind { V_BOOL, V_INT, V_STR, V_SID, V_COMP, V_ATTR };

struct val {
	enum vkind kind;
	enum sd_tri b;
	int64_t i;
	const char *s;                  /* V_STR: UTF-8 in the arena */
	size_t slen;
	const unsigned char *p;         /* V_SID / V_COMP: token bytes */
	size_t n;
	const struct sd_claim *claim;   /* V_ATTR: NULL when absent */
};

struct item {
	int is_int;
	int64_t i;
	const char *s;
	size_t slen;
};

struct ev {
	const struct sd_token *tok;
	char *arena;
	size_t arena_len, arena_cap;
};

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* UTF-16LE to UTF-8 into the arena; NULL on malformed input. */
static const char *
utf16_to_arena(struct ev *ev, const unsigned char *p, size_t n,
    size_t *len_out)
{
	char *out = ev->arena + ev->arena_len;
	size_t i, o = 0;

	if (n % 2)
		return NULL;
	for (i = 0; i < n; i += 2) {
		uint32_t cp = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;

		if (cp >= 0xd800 && cp < 0xdc00) {
			uint32_t lo;

			if (i + 4 > n)
				return NULL;
			lo = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
			if (lo < 0xdc00 || lo >= 0xe000)
				return NULL;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (cp >= 0xdc00 && cp < 0xe000)
			return NULL;
		if (ev->arena_len + o + 4 > ev->arena_cap)
			return NULL;
		if (cp < 0x80)
			out[o++] = (char)cp;
		else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | cp >> 18);
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	ev->arena_len += o;
	*len_out = o;
	return out;
}

/* Claim names and string values compare case-insensitively (ASCII
 * folding), as AD claim comparisons do by default. */
static int
str_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	for (i = 0; i < an && i < bn; i++) {
		int ca = (unsigned char)a[i], cb = (unsigned char)b[i];

		if (ca >= 'A' && ca <= 'Z')
			ca += 32;
		if (cb >= 'A' && cb <= 'Z')
			cb += 32;
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return an == bn ? 0 : an < bn ? -1 : 1;
}

static const struct sd_claim *
find_claim(const struct sd_claim *c, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].name && str_cmp(c[i].name, strlen(c[i].name), name,
		    len) == 0)
			return &c[i];
	return NULL;
}

/*
 * Read one token at *pp.  Literal and attribute tokens become a value;
 * for operators *op_out gets the code and *v is untouched.  -1 on a
 * malformed token.
 */
static int
read_token(struct ev *ev, const unsigned char **pp, const unsigned char *end,
    struct val *v, int *op_out)
{
	const unsigned char *p = *pp;
	unsigned char t = *p++;
	uint32_t n;

	*op_out = 0;
	memset(v, 0, sizeof(*v));
	switch (t) {
	case CT_INT8: case CT_INT16: case CT_INT32: case CT_INT64: {
		uint64_t u = 0;
		int k;

		if (end - p < 10)
			return -1;
		for (k = 7; k >= 0; k--)
			u = u << 8 | p[k];
		v->kind = V_INT;
		v->i = (int64_t)u;
		p += 10;
		break;
	}
	case CT_STRING: case CT_OCTETS: case CT_COMPOSITE: case CT_SID:
	case CT_ATTR_LOCAL: case CT_ATTR_USER: case CT_ATTR_RESOURCE:
	case CT_ATTR_DEVICE:
		if (end - p < 4)
			return -1;
		n = get32(p);
		p += 4;
		if ((size_t)(end - p) < n)
			return -1;
		if (t == CT_SID || t == CT_COMPOSITE) {
			v->kind = t == CT_SID ? V_SID : V_COMP;
			v->p = p;
			v->n = n;
		} else if (t == CT_OCTETS) {
			return -1;      /* no octet-string claims here */
		} else {
			const char *s = utf16_to_arena(ev, p, n, &v->slen);

			if (s == NULL)
				return -1;
			if (t == CT_STRING) {
				v->kind = V_STR;
				v->s = s;
			} else {
				const struct sd_token *tk = ev->tok;

				v->kind = V_ATTR;
				v->s = s;
				if (t == CT_ATTR_USER)
					v->claim = find_claim(tk->user_claims,
					    tk->n_user_claims, s, v->slen);
				else if (t == CT_ATTR_DEVICE)
					v->claim = find_claim(
					    tk->device_claims,
					    tk->n_device_claims, s, v->slen);
				else if (t == CT_ATTR_RESOURCE)
					v->claim = find_claim(
					    tk->resource_claims,
					    tk->n_resource_claims, s, v->slen);
			}
		}
		p += n;
		break;
	default:
		if ((t >= CT_EQ && t <= CT_NOT_DEV_MEMBER_OF_ANY) ||
		    t == CT_AND || t == CT_OR || t == CT_NOT) {
			*op_out = t;
			break;
		}
		return -1;
	}
	*pp = p;
	return 0;
}

/* Values of an operand as a set; -1 when it has none (absent claim) or
 * cannot be one. */
static int
value_set(struct ev *ev, const struct val *v, struct item *set, size_t *n)
{
	size_t i;

	*n = 0;
	switch (v->kind) {
	case V_INT:
		set[0].is_int = 1;
		set[0].i = v->i;
		*n = 1;
		return 0;
	case V_STR:
		set[0].is_int = 0;
		set[0].s = v->s;
		set[0].slen = v->slen;
		*n = 1;
		return 0;
	case V_ATTR:
		if (v->claim == NULL || v->claim->nvalues == 0 ||
		    v->claim->nvalues > SET_MAX)
			return -1;
		for (i = 0; i < v->claim->nvalues; i++) {
			if (v->claim->type == SD_CLAIM_INT64) {
				set[i].is_int = 1;
				set[i].i = v->claim->ints[i];
			} else {
				set[i].is_int = 0;
				set[i].s = v->claim->strings[i];
				set[i].slen = set[i].s ? strlen(set[i].s) : 0;
				if (set[i].s == NULL)
					return -1;
			}
		}
		*n = v->claim->nvalues;
		return 0;
	case V_COMP: {
		const unsigned char *p = v->p, *end = v->p + v->n;

		while (p < end) {
			struct val e;
			int op;

			if (*p == CT_PAD) {
				p++;
				continue;
			}
			if (*n == SET_MAX || read_token(ev, &p, end, &e, &op) ||
			    op || (e.kind != V_INT && e.kind != V_STR))
				return -1;
			if (value_set(ev, &e, &set[*n], &i) != 0)
				return -1;
			(*n)++;
		}
		return 0;
	}
	default:
		return -1;
	}
}

/* -2 when the items cannot be compared (int against string). */
static int
item_cmp(const struct item *a, const struct item *b)
{
	if (a->is_int != b->is_int)
		return -2;
	if (a->is_int)
		return a->i < b->i ? -1 : a->i > b->i;
	return str_cmp(a->s, a->slen, b->s, b->slen);
}

/* 1 if x is in set, 0 if not, -1 on a type mismatch. */
static int
in_set(const struct item *x, const struct item *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int c = item_cmp(x, &set[i]);

		if (c == -2)
			return -1;
		if (c == 0)
			return 1;
	}
	return 0;
}

static enum sd_tri
tri_not(enum sd_tri t)
{
	return t == SD_UNKNOWN ? SD_UNKNOWN : t == SD_TRUE ? SD_FALSE : SD_TRUE;
}

static enum sd_tri
relational(struct ev *ev, int op, const struct val *l, const struct val *r)
{
	struct item ls[SET_MAX], rs[SET_MAX];
	size_t ln, rn, i;
	int c, all, any;

	if (value_set(ev, l, ls, &ln) != 0 || value_set(ev, r, rs, &rn) != 0)
		return SD_UNKNOWN;
	switch (op) {
	case CT_EQ: case CT_NE:
		all = 1;
		for (i = 0; i < ln && all; i++)
			if ((c = in_set(&ls[i], rs, rn)) < 0)
				return SD_UNKNOWN;
			else
				all = c;
		for (i = 0; i < rn && all; i++)
			if ((c = in_set(&rs[i], ls, ln)) < 0)
				return SD_UNKNOWN;
			else
				all = c;
		return (all != 0) == (op == CT_EQ) ? SD_TRUE : SD_FALSE;
	case CT_LT: case CT_LE: case CT_GT: case CT_GE:
		if (ln != 1 || rn != 1 || (c = item_cmp(&ls[0], &rs[0])) == -2)
			return SD_UNKNOWN;
		if (op == CT_LT)
			return c < 0 ? SD_TRUE : SD_FALSE;
		if (op == CT_LE)
			return c <= 0 ? SD_TRUE : SD_FALSE;
		if (op == CT_GT)
			return c > 0 ? SD_TRUE : SD_FALSE;
		return c >= 0 ? SD_TRUE : SD_FALSE;
	case CT_CONTAINS: case CT_NOT_CONTAINS:
		/* Every right-hand value is among the left-hand values. */
		all = 1;
		for (i = 0; i < rn && all; i++)
			if ((c = in_set(&rs[i], ls, ln)) < 0)
				return SD_UNKNOWN;
			else
				all = c;
		return (all != 0) == (op == CT_CONTAINS) ? SD_TRUE : SD_FALSE;
	case CT_ANY_OF: case CT_NOT_ANY_OF:
		/* Some left-hand value is among the right-hand values. */
		any = 0;
		for (i = 0; i < ln && !any; i++)
			if ((c = in_set(&ls[i], rs, rn)) < 0)
				return SD_UNKNOWN;
			else
				any = c;
		return (any != 0) == (op == CT_ANY_OF) ? SD_TRUE : SD_FALSE;
	}
	return SD_UNKNOWN;
}

static int
has_sid(const struct sid *set, size_t n, const struct sid *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sid_equal(&set[i], s))
			return 1;
	return 0;
}

static enum sd_tri
membership(struct ev *ev, int op, const struct val *v)
{
	const struct sd_token *tk = ev->tok;
	const struct sid *set = tk->user_sids;
	size_t n = tk->n_user_sids, count = 0, found = 0;
	const unsigned char *p, *end;
	int any = 0, neg = 0;

	switch (op) {
	case CT_MEMBER_OF: break;
	case CT_MEMBER_OF_ANY: any = 1; break;
	case CT_NOT_MEMBER_OF: neg = 1; break;
	case CT_NOT_MEMBER_OF_ANY: any = 1; neg = 1; break;
	case CT_DEV_MEMBER_OF: set = tk->device_sids;
		n = tk->n_device_sids; break;
	case CT_DEV_MEMBER_OF_ANY: set = tk->device_sids;
		n = tk->n_device_sids; any = 1; break;
	case CT_NOT_DEV_MEMBER_OF: set = tk->device_sids;
		n = tk->n_device_sids; neg = 1; break;
	case CT_NOT_DEV_MEMBER_OF_ANY: set = tk->device_sids;
		n = tk->n_device_sids; any = 1; neg = 1; break;
	default: return SD_UNKNOWN;
	}
	if (v->kind == V_SID) {
		struct sid s;
		size_t used;

		if (sid_from_binary(v->p, v->n, &s, &used, NULL) != 0 ||
		    used != v->n)
			return SD_UNKNOWN;
		count = 1;
		found = has_sid(set, n, &s);
	} else if (v->kind == V_COMP) {
		p = v->p;
		end = v->p + v->n;
		while (p < end) {
			struct sid s;
			uint32_t len;
			size_t used;

			if (*p == CT_PAD) {
				p++;
				continue;
			}
			if (*p != CT_SID || end - p < 5)
				return SD_UNKNOWN;
			len = get32(p + 1);
			p += 5;
			if ((size_t)(end - p) < len ||
			    sid_from_binary(p, len, &s, &used, NULL) != 0 ||
			    used != len)
				return SD_UNKNOWN;
			p += len;
			count++;
			found += (size_t)has_sid(set, n, &s);
		}
		if (count == 0)
			return SD_UNKNOWN;
	} else
		return SD_UNKNOWN;
	/* Member_of: all listed SIDs; _any: at least one. */
	if (any)
		return (found > 0) != neg ? SD_TRUE : SD_FALSE;
	return (found == count) != neg ? SD_TRUE : SD_FALSE;
}

static enum sd_tri
as_bool(const struct val *v)
{
	if (v->kind == V_BOOL)
		return v->b;
	/* MS-DTYP 2.4.4.17.6: an attribute used as a boolean is TRUE when
	 * it holds a non-zero integer or a non-empty string. */
	if (v->kind == V_ATTR && v->claim != NULL && v->claim->nvalues == 1) {
		if (v->claim->type == SD_CLAIM_INT64)
			return v->claim->ints[0] ? SD_TRUE : SD_FALSE;
		if (v->claim->strings[0] != NULL)
			return v->claim->strings[0][0] ? SD_TRUE : SD_FALSE;
	}
	if (v->kind == V_INT)
		return v->i ? SD_TRUE : SD_FALSE;
	return SD_UNKNOWN;
}

enum sd_tri
sd_cond_eval(const unsigned char *expr, size_t len,
    const struct sd_token *tok)
{
	struct val stack[STACK_MAX];
	const unsigned char *p, *end;
	struct ev ev = { tok, NULL, 0, 0 };
	enum sd_tri res = SD_UNKNOWN;
	size_t sp = 0;

	if (expr == NULL || tok == NULL || len < 4 || len > SD_MAX_COND ||
	    memcmp(expr, "artx", 4) != 0)
		return SD_UNKNOWN;
	ev.arena_cap = 2 * len + 16;
	ev.arena = malloc(ev.arena_cap);
	if (ev.arena == NULL)
		return SD_UNKNOWN;
	p = expr + 4;
	end = expr + len;
	while (p < end) {
		struct val v;
		int op;

		if (*p == CT_PAD) {
			p++;
			continue;
		}
		if (read_token(&ev, &p, end, &v, &op) != 0)
			goto cleanup;
		if (op == 0) {
			if (sp == STACK_MAX)
				goto cleanup;
			stack[sp++] = v;
			continue;
		}
		if (op == CT_NOT || op == CT_EXISTS || op == CT_NOT_EXISTS ||
		    (op >= CT_MEMBER_OF && op <= CT_DEV_MEMBER_OF_ANY) ||
		    (op >= CT_NOT_MEMBER_OF &&
		    op <= CT_NOT_DEV_MEMBER_OF_ANY)) {
			struct val *a;

			if (sp < 1)
				goto cleanup;
			a = &stack[sp - 1];
			if (op == CT_NOT)
				a->b = tri_not(as_bool(a));
			else if (op == CT_EXISTS || op == CT_NOT_EXISTS) {
				if (a->kind != V_ATTR)
					goto cleanup;
				a->b = (a->claim != NULL) ==
				    (op == CT_EXISTS) ? SD_TRUE : SD_FALSE;
			} else
				a->b = membership(&ev, op, a);
			a->kind = V_BOOL;
			continue;
		}
		/* Binary operators. */
		if (sp < 2)
			goto cleanup;
		{
			struct val *l = &stack[sp - 2], *r = &stack[sp - 1];
			enum sd_tri t;

			if (op == CT_AND || op == CT_OR) {
				enum sd_tri a = as_bool(l), b = as_bool(r);

				if (op == CT_AND)
					t = a == SD_FALSE || b == SD_FALSE ?
					    SD_FALSE : a == SD_TRUE &&
					    b == SD_TRUE ? SD_TRUE :
					    SD_UNKNOWN;
				else
					t = a == SD_TRUE || b == SD_TRUE ?
					    SD_TRUE : a == SD_FALSE &&
					    b == SD_FALSE ? SD_FALSE :
					    SD_UNKNOWN;
			} else {
				if (l->kind != V_ATTR)
					goto cleanup;
				t = relational(&ev, op, l, r);
			}
			sp--;
			l->kind = V_BOOL;
			l->b = t;
		}
	}
	if (sp == 1 && stack[0].kind == V_BOOL)
		res = stack[0].b;
	else if (sp == 1)
		res = as_bool(&stack[0]);
cleanup:
	free(ev.arena);
	return res;
}

/* Directory-service generic mapping (MS-ADTS 5.1.3.3.3). */
static uint32_t
map_generic(uint32_t m)
{
	uint32_t out = m & 0x0fffffffu;

	if (m & SD_RIGHT_GENERIC_ALL)
		out |= 0x000f01ffu;
	if (m & SD_RIGHT_GENERIC_READ)
		out |= 0x00020094u;
	if (m & SD_RIGHT_GENERIC_WRITE)
		out |= 0x00020028u;
	if (m & SD_RIGHT_GENERIC_EXECUTE)
		out |= 0x00020004u;
	return out;
}

kerr_t
sd_access_check(const struct sd_desc *sd, uint32_t desired,
    const struct sd_token *tok, int *granted_out, struct kerr *e)
{
	uint32_t want, granted = 0;
	size_t i;

	if (sd == NULL || tok == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "access check: no input");
	want = map_generic(desired);
	/* No DACL, or a null one: nothing is restricted (MS-DTYP 2.4.6). */
	if (!(sd->control & SD_DACL_PRESENT) || sd->dacl == NULL) {
		*granted_out = 1;
		return 0;
	}
	for (i = 0; i < sd->dacl->count && want != 0; i++) {
		const struct sd_ace *a = &sd->dacl->aces[i];
		uint32_t m = map_generic(a->mask) & want;
		int allow, callback;

		if (a->flags & SD_ACE_INHERIT_ONLY)
			continue;
		switch (a->type) {
		case SD_ACE_ALLOWED: allow = 1; callback = 0; break;
		case SD_ACE_DENIED: allow = 0; callback = 0; break;
		case SD_ACE_ALLOWED_CALLBACK: allow = 1; callback = 1; break;
		case SD_ACE_DENIED_CALLBACK: allow = 0; callback = 1; break;
		case SD_ACE_ALLOWED_OBJECT: allow = 1; callback = 0; break;
		case SD_ACE_DENIED_OBJECT: allow = 0; callback = 0; break;
		case SD_ACE_ALLOWED_CALLBACK_OBJECT:
			allow = 1; callback = 1; break;
		case SD_ACE_DENIED_CALLBACK_OBJECT:
			allow = 0; callback = 1; break;
		default:
			continue;
		}
		/* Without an object type list, ACEs limited to one object
		 * type or property set grant and deny nothing here. */
		if (a->object_flags & SD_OBJECT_TYPE_PRESENT)
			continue;
		if (m == 0 || !has_sid(tok->user_sids, tok->n_user_sids,
		    &a->sid))
			continue;
		if (callback) {
			enum sd_tri t = sd_cond_eval(a->cond, a->cond_len, tok);

			if (allow ? t != SD_TRUE : t == SD_FALSE)
				continue;
		}
		if (!allow) {
			*granted_out = 0;
			return 0;
		}
		granted |= m;
		want &= ~m;
	}
	*granted_out = want == 0 && granted != 0;
	return 0;
}
