app_name = "realtime_acks"
app_title = "Realtime Acks"
app_publisher = "frappe-realtime"
app_description = "Acknowledged room joins on Frappe's realtime server, for frappe-realtime's joinAcks option"
app_license = "MIT"

# Desk reads frappe.boot.realtime_options (frappe-realtime's facade): turn joinAcks on
# wherever this app, and so realtime/handlers.js, is installed.
boot_session = "realtime_acks.boot.boot_session"
