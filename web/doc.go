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
//	js/dom.js         element building without innerHTML, toasts
//	js/agent.js       the agent desktop
//	js/supervisor.js  the supervisor view
//	js/widget.js      the chat widget: one self-contained classic script
//	css/app.css       desktop and supervisor styles
package web
