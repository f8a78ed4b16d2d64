// Node.js baseline for the Spectra perf suite.
//
// Written for this project (not the reference's code): a socket.io 4.8 server
// that does what the Node reference's broadcast path does, so the suite can
// compare our server with Node on the same machine in the same run.
//
//   ingest (INGEST_PORT, 5100): `obs_logon` (JSON string) -> `obs_logon_ack`
//     {"type":"authenticate","value":true,"reason":"<12-char secret>"}, then
//     `obs_data` events (JSON strings) mutate the match state.
//   broadcast (BROADCAST_PORT, 5200): `logon` {"groupCode":...} (JSON string)
//     -> `logon_success`, join the group's room, and (as the reference does)
//     the whole state is emitted to the room on every logon.
//   Every 100 ms, for each match whose event counter moved,
//   `JSON.stringify(state)` is emitted to the room as the string argument of
//   `match_data`.
//   Socket.IO options as the reference's: perMessageDeflate with threshold
//   1024, zlibDeflateOptions { chunkSize 1024, memLevel 7, level 3 },
//   zlibInflateOptions { chunkSize 10 KiB }, cors origin "*".
//
// The state is an approximation of the reference's Match object (same
// top-level shape, players with the reference's field set, round records),
// mutated generically from the events; it is large enough (~15 KB on a full
// game) that serialization and compression costs are realistic. The game
// mode event's string lands in `matchType`, which is where the load
// generator's latency probes travel.
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const HOST = process.env.HOST || "127.0.0.1";
const INGEST_PORT = Number(process.env.INGEST_PORT || 5100);
const BROADCAST_PORT = Number(process.env.BROADCAST_PORT || 5200);
const TICK_MS = 100;

const ioOptions = {
  perMessageDeflate: {
    zlibDeflateOptions: { chunkSize: 1024, memLevel: 7, level: 3 },
    zlibInflateOptions: { chunkSize: 10 * 1024 },
    threshold: 1024,
  },
  cors: { origin: "*" },
};

/** groupCode -> { state, events, sent } */
const matches = new Map();

function secret() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let s = "";
  for (let i = 0; i < 12; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function newTeam(t, attackStart) {
  const roundRecord = [];
  for (let r = 1; r <= 25; r++) roundRecord.push({ type: "upcoming", wasAttack: attackStart === (r < 13), round: r });
  return {
    teamName: (t && t.name) || "",
    teamTricode: (t && t.tricode) || "",
    teamUrl: (t && t.url) || "",
    ingameTeamId: 0,
    isAttacking: !!(t && t.attackStart),
    hasHandledTeam: false,
    roundsWon: 0,
    spentThisRound: 0,
    roundRecord,
    removeTricode: false,
    players: [],
  };
}

function newMatch(logon) {
  return {
    matchId: "",
    matchType: "bomb",
    switchRound: 13,
    firstOtRound: 25,
    groupCode: logon.groupCode,
    isRunning: false,
    roundNumber: 0,
    roundPhase: "",
    wasTimeout: false,
    teams: [newTeam(logon.leftTeam, true), newTeam(logon.rightTeam, false)],
    spikeState: { planted: false, detonated: false, defused: false },
    map: "",
    tools: logon.toolsData || {},
    timeoutState: { techPause: false, leftTeam: false, rightTeam: false, timeRemaining: 0 },
    timeoutCounter: { left: 2, right: 2 },
    observed: "",
  };
}

function newPlayer(d) {
  return {
    name: d.name || "",
    tagline: d.tagline || "",
    riotId: d.playerId,
    searchName: `${d.name} #${d.tagline}`,
    fullName: `${d.name}#${d.tagline}`,
    position: d.position || 0,
    locked: !!d.locked,
    agentInternal: d.agentInternal || "",
    agentProper: "",
    isAlive: true,
    hasSpike: false,
    isObserved: false,
    health: 100,
    abilities: { grenade: 0, ability1: 0, ability2: 0 },
    kills: 0,
    deaths: 0,
    assists: 0,
    kdRatio: 0,
    killsThisRound: 0,
    deathsThisRound: 0,
    killedPlayerNames: [],
    currUltPoints: 0,
    maxUltPoints: 0,
    ultReady: false,
    money: 0,
    moneySpent: 0,
    spentMoneyThisRound: false,
    armorName: "None",
    highestWeapon: "Classic",
    currentMMRTier: null,
    peakMMRTier: null,
    teamKills: 0,
    headshotKills: 0,
    headshotRatio: 0,
    killsByWeaponsAndAbilities: {},
    killsOnEnemyPlayer: {},
    killsOnTeammatePlayer: {},
    assistsFromTeammate: {},
    scoreboardAvailable: false,
    auxiliaryAvailable: { health: false, abilities: false, scoreboard: false },
    iconNameSuffix: "",
  };
}

function upsertPlayer(state, d) {
  if (!d || typeof d.playerId !== "string") return null;
  const team = state.teams[d.startTeam === 1 ? 1 : 0];
  let p = team.players.find((x) => x.riotId === d.playerId);
  if (!p) {
    if (team.players.length >= 5) return null;
    p = newPlayer(d);
    team.players.push(p);
  }
  return p;
}

function findPlayer(state, name) {
  for (const t of state.teams) for (const p of t.players) if (p.name === name) return p;
  return null;
}

/** Applies one obs_data payload; returns whether it counted as an event. */
function apply(state, ev) {
  const d = ev.data;
  switch (ev.type) {
    case "roster": {
      const p = upsertPlayer(state, d);
      if (p) Object.assign(p, { position: d.position || 0, locked: !!d.locked, agentInternal: d.agentInternal || "" });
      break;
    }
    case "scoreboard": {
      const p = upsertPlayer(state, d);
      if (p) {
        for (const k of ["agentInternal", "isAlive", "hasSpike", "currUltPoints", "maxUltPoints", "money", "kills", "deaths", "assists"]) {
          if (d[k] !== undefined) p[k] = d[k];
        }
        p.kdRatio = p.kills / (p.deaths || 1);
        p.ultReady = p.currUltPoints >= p.maxUltPoints && p.maxUltPoints > 0;
        p.highestWeapon = d.scoreboardWeaponInternal || p.highestWeapon;
        p.scoreboardAvailable = true;
      }
      break;
    }
    case "killfeed": {
      const a = d && findPlayer(state, d.attacker);
      const v = d && findPlayer(state, d.victim);
      if (a && v) {
        a.killsThisRound++;
        a.killedPlayerNames.push(v.name);
        const w = d.weaponKillfeedInternal || "";
        a.killsByWeaponsAndAbilities[w] = (a.killsByWeaponsAndAbilities[w] || 0) + 1;
        a.killsOnEnemyPlayer[v.name] = (a.killsOnEnemyPlayer[v.name] || 0) + 1;
        if (d.headshotKill) a.headshotKills++;
        v.deathsThisRound++;
        v.isAlive = false;
      }
      break;
    }
    case "round_info": {
      if (!d) break;
      state.roundNumber = d.roundNumber;
      state.roundPhase = d.roundPhase;
      if (d.roundPhase === "shopping") {
        state.spikeState = { planted: false, detonated: false, defused: false };
        for (const t of state.teams) {
          for (const p of t.players) {
            p.killsThisRound = 0;
            p.deathsThisRound = 0;
            p.killedPlayerNames = [];
            p.isAlive = true;
          }
          const rec = t.roundRecord[(d.roundNumber - 2) % 25];
          if (rec) rec.type = "kills";
        }
      }
      break;
    }
    case "score":
      if (d) {
        state.teams[0].roundsWon = d.team_0;
        state.teams[1].roundsWon = d.team_1;
      }
      break;
    case "match_start":
      state.isRunning = true;
      state.matchId = String(d);
      break;
    case "map":
      state.map = String(d);
      break;
    case "game_mode":
      state.matchType = String(d);
      break;
    case "observing":
      state.observed = String(d);
      for (const t of state.teams) for (const p of t.players) p.isObserved = p.fullName === d || p.searchName === d;
      break;
    case "spike_planted":
      state.spikeState.planted = true;
      break;
    case "spike_detonated":
      state.spikeState.detonated = true;
      break;
    case "spike_defused":
      state.spikeState.defused = true;
      break;
    case "tech_pause":
      state.timeoutState.techPause = !state.timeoutState.techPause;
      break;
    default:
      if (typeof ev.type === "string" && ev.type.length < 64) state[ev.type] = d;
  }
  return true;
}

function listen(port, onConnection) {
  const httpServer = http.createServer();
  const io = new Server(httpServer, ioOptions);
  io.on("connection", onConnection);
  httpServer.listen(port, HOST);
  return io;
}

let broadcast = null;

function emitState(code, m) {
  broadcast.to(code).emit("match_data", JSON.stringify(m.state));
}

listen(INGEST_PORT, (socket) => {
  let match = null;
  socket.once("obs_logon", (msg) => {
    let logon;
    try {
      logon = JSON.parse(String(msg));
    } catch {
      return;
    }
    const code = logon && logon.groupCode;
    if (logon.type !== "authenticate" || typeof code !== "string") {
      socket.emit("obs_logon_ack", JSON.stringify({ type: "authenticate", value: false, reason: "Invalid packet." }));
      socket.disconnect();
      return;
    }
    if (matches.has(code)) {
      socket.emit(
        "obs_logon_ack",
        JSON.stringify({ type: "authenticate", value: false, reason: `Game with Group Code ${code} exists and is still live.` }),
      );
      socket.disconnect();
      return;
    }
    match = { state: newMatch(logon), events: 0, sent: 0, secret: secret() };
    matches.set(code, match);
    socket.emit("obs_logon_ack", JSON.stringify({ type: "authenticate", value: true, reason: match.secret }));
    socket.on("obs_data", (raw) => {
      let ev;
      try {
        ev = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (!ev || ev.groupCode !== code || typeof ev.type !== "string") return;
      if (apply(match.state, ev)) match.events++;
      if (ev.type === "round_info" && ev.data && ev.data.roundPhase === "game_end") {
        emitState(code, match);
        matches.delete(code);
      }
    });
  });
  socket.on("disconnect", () => {
    // The reference keeps a match when its observer leaves; so do we, except
    // that a perf run ends with an explicit game_end or process exit.
  });
});

broadcast = listen(BROADCAST_PORT, (socket) => {
  socket.once("logon", (msg) => {
    let json;
    try {
      json = JSON.parse(String(msg));
    } catch {
      return;
    }
    if (!json || typeof json.groupCode !== "string") return;
    socket.join(json.groupCode);
    socket.emit(
      "logon_success",
      JSON.stringify({ groupCode: json.groupCode, msg: `Logon succeeded for group code ${json.groupCode}` }),
    );
    const m = matches.get(json.groupCode);
    if (m) emitState(json.groupCode, m);
  });
});

setInterval(() => {
  for (const [code, m] of matches) {
    if (m.events > m.sent) {
      m.sent = m.events;
      emitState(code, m);
    }
  }
}, TICK_MS);

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
console.log(`node baseline: ingest ${HOST}:${INGEST_PORT}, broadcast ${HOST}:${BROADCAST_PORT}`);
