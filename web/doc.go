// Package web holds the bundled browser pages of Switchboard: the agent
// desktop (/agent), the supervisor view (/supervisor), the chat widget
// (/widget.js) and a demo page that embeds it (/). They are plain HTML, CSS
// and JavaScript modules with no build step, embedded in the binary.
//
// The pages speak the wire protocol of PROTOCOL.md (docs/protocol.md) over
// the websocket endpoints the server mounts next to Handler; they hold no
// state on the server side. Handler is safe for concurrent use.
//
// Layout of static/:
//
//	agent.html, supervisor.html, index.html   the pages
//	js/socket.js      connect, hello, seq tracking, ref/ack promises, reconnect
//	js/cards.js       session cards (seeds: Genesys) and time formatting
//	js/dom.js         element building from nodes, icons, toasts, announcements
//	js/auth.js        the agent token: from ?token=, kept in sessionStorage
//	js/agent.js       the agent desktop
//	js/supervisor.js  the supervisor view
//	js/widget.js      the chat widget: one self-contained classic script
//	css/app.css       desktop and supervisor styles
//	css/demo.css      the demo page (a customer's site)
//
// The JavaScript unit tests are in testdata/js and run with node from the Go
// tests; browser_test.go drives the pages in Chromium against the real
// server.
package web
