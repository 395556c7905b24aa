def boot_session(bootinfo):
	"""Tells frappe-realtime in Desk that this site's realtime server answers joins."""
	options = dict(bootinfo.get("realtime_options") or {})
	options["joinAcks"] = True
	bootinfo["realtime_options"] = options
