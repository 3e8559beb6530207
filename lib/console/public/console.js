// The operator console in the browser: sends the operator's token with every
// fragment htmx loads, shows the API's errors, writes times in the browser's
// zone (UTC on hover) and draws the orders-per-minute chart with uPlot.
// Every figure comes from the service; nothing here computes one.
(function () {
	"use strict";
	var TOKEN_KEY = "orders-console-token";
	var body = document.body;
	var authOn = body.dataset.auth === "on";
	var chart = null;

	function token() {
		return sessionStorage.getItem(TOKEN_KEY) || "";
	}

	function notice(text) {
		var box = document.getElementById("notice");
		box.textContent = text;
		box.hidden = !text;
	}

	// With authentication on and no token, no data is asked for at all.
	body.addEventListener("htmx:configRequest", function (event) {
		if (token()) event.detail.headers.Authorization = "Bearer " + token();
		else if (authOn) {
			event.preventDefault();
			notice("This console needs a token with the orders:operator scope: enter it above.");
		}
	});

	body.addEventListener("htmx:responseError", function (event) {
		var xhr = event.detail.xhr;
		var message = "The service answered " + xhr.status;
		try {
			message = JSON.parse(xhr.responseText).message || message;
		} catch {
			/* not the API's JSON error: keep the status */
		}
		notice(message);
	});

	body.addEventListener("htmx:sendError", function () {
		notice("The service cannot be reached.");
	});

	body.addEventListener("htmx:afterSwap", function (event) {
		notice("");
		localTimes(event.detail.target);
		drawChart();
	});

	function localTimes(root) {
		var times = root.querySelectorAll("time[datetime]");
		for (var i = 0; i < times.length; i++) {
			var at = new Date(times[i].getAttribute("datetime"));
			times[i].textContent = at.toLocaleString();
			times[i].title = at.toISOString().replace("T", " ").replace("Z", " UTC");
		}
	}

	function drawChart() {
		var source = document.getElementById("per-minute");
		var target = document.getElementById("chart");
		if (!source || !target || !window.uPlot) return;
		var s = JSON.parse(source.dataset.series);
		var data = [s.t, s.created, s.completed, s.failed];
		if (chart) return chart.setData(data);
		chart = new window.uPlot(
			{
				width: Math.max(320, target.clientWidth),
				height: 220,
				scales: { x: { time: true } },
				series: [
					{},
					{ label: "created", stroke: "#2563eb", width: 2 },
					{ label: "completed", stroke: "#16a34a", width: 2 },
					{ label: "failed", stroke: "#dc2626", width: 2 },
				],
				axes: [{}, { label: "orders / minute" }],
			},
			data,
			target,
		);
	}

	var form = document.getElementById("token-form");
	var input = document.getElementById("token");
	if (token()) input.placeholder = "token in use";
	form.addEventListener("submit", function (event) {
		event.preventDefault();
		if (input.value.trim()) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
		location.reload();
	});
	document.getElementById("forget-token").addEventListener("click", function () {
		sessionStorage.removeItem(TOKEN_KEY);
		location.reload();
	});
})();
