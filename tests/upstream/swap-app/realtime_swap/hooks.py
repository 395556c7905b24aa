app_name = "realtime_swap"
app_title = "Realtime Swap"
app_publisher = "frappe-realtime"
app_description = "Test fixture: loads frappe-realtime's script-tag build in Desk and on website pages"
app_license = "MIT"

# What README, "Desk and Frappe web pages", tells an app to add. public/js/frappe-realtime.js
# is dist/frappe-realtime.js, copied in by the install steps (tests/upstream/bench.md).
app_include_js = ["/assets/realtime_swap/js/frappe-realtime.js"]
web_include_js = ["/assets/realtime_swap/js/frappe-realtime.js"]
