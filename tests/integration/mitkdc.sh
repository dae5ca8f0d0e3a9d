# mitkdc.sh - sourced by integration tests: a private MIT krb5kdc that shares
# the realm's krbtgt key with pkinit-kdc, used to prove that the tickets we
# issue are accepted by an independent KDC.
#
#   mitkdc_setup DIR REALM PORT   create the database, the service principal
#                                 host/svc.example.test and DIR/krbtgt.keytab
#                                 (the krbtgt keys, exported with -norandkey)
#   mitkdc_start DIR              start krb5kdc in the background on PORT
#   mitkdc_stop DIR               stop it
#
# The database lives under DIR; nothing outside DIR is touched.

mitkdc_setup() {
	_d=$1 _realm=$2 _port=$3
	mkdir -p "$_d"
	cat >"$_d/kdc.conf" <<EOT
[kdcdefaults]
	kdc_listen = 127.0.0.1:$_port
	kdc_tcp_listen = 127.0.0.1:$_port
[realms]
	$_realm = {
		database_name = $_d/principal
		key_stash_file = $_d/stash
		acl_file = $_d/kadm5.acl
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal aes256-cts-hmac-sha384-192:normal aes128-cts-hmac-sha256-128:normal
		max_life = 1d
		max_renewable_life = 7d
	}
[logging]
	kdc = FILE:$_d/krb5kdc.log
EOT
	cat >"$_d/krb5.conf" <<EOT
[libdefaults]
	default_realm = $_realm
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
[realms]
	$_realm = {
		kdc = 127.0.0.1:$_port
	}
EOT
	: >"$_d/kadm5.acl"
	KRB5_CONFIG=$_d/krb5.conf KRB5_KDC_PROFILE=$_d/kdc.conf \
	    kdb5_util create -r "$_realm" -s -P "mit-master-$$" -W >"$_d/setup.log" 2>&1 || return 1
	KRB5_CONFIG=$_d/krb5.conf KRB5_KDC_PROFILE=$_d/kdc.conf \
	    kadmin.local -r "$_realm" -q "addprinc -randkey host/svc.example.test" >>"$_d/setup.log" 2>&1 || return 1
	KRB5_CONFIG=$_d/krb5.conf KRB5_KDC_PROFILE=$_d/kdc.conf \
	    kadmin.local -r "$_realm" -q "ktadd -norandkey -k $_d/krbtgt.keytab krbtgt/$_realm" >>"$_d/setup.log" 2>&1 || return 1
	KRB5_CONFIG=$_d/krb5.conf KRB5_KDC_PROFILE=$_d/kdc.conf \
	    kadmin.local -r "$_realm" -q "ktadd -norandkey -k $_d/svc.keytab host/svc.example.test" >>"$_d/setup.log" 2>&1 || return 1
	echo "$_port" >"$_d/port"
}

mitkdc_start() {
	_d=$1
	KRB5_CONFIG=$_d/krb5.conf KRB5_KDC_PROFILE=$_d/kdc.conf \
	    krb5kdc -n -P "$_d/krb5kdc.pid" >>"$_d/krb5kdc.out" 2>&1 &
	echo $! >"$_d/krb5kdc.bgpid"
	# Wait until it has bound its port.
	_i=0
	while [ $_i -lt 50 ]; do
		if grep -q 'commencing operation' "$_d/krb5kdc.log" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "krb5kdc did not start; see $_d/krb5kdc.log" >&2
	return 1
}

mitkdc_stop() {
	_d=$1
	if [ -f "$_d/krb5kdc.bgpid" ]; then
		kill "$(cat "$_d/krb5kdc.bgpid")" 2>/dev/null
		wait "$(cat "$_d/krb5kdc.bgpid")" 2>/dev/null
		rm -f "$_d/krb5kdc.bgpid"
	fi
}
