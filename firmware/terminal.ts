import { loadBoard, openBoard, type BoardDefinition, type OpenedBoard } from '../board/index.js';
import { systemClock, type Clock, type TimerHandle } from '../hal/clock.js';
import type { DisplayState } from '../hal/display.js';
import { Listeners, type Unsubscribe } from '../hal/events.js';
import type { CardRead } from '../hal/reader.js';
import { AccessService, type AccessDecision, type PresentedCredential } from './access/index.js';
import { VisitorPasses } from './access/passes.js';
import { describeReason } from './access/reason-text.js';
import { attachTailgating } from './alerts/index.js';
import { PinEntry } from './access/pin-entry.js';
import { QrScanner } from './access/qr-scanner.js';
import { RetentionPolicy } from './privacy/index.js';
import { loadFleetKeys } from './security/index.js';
import type { Config } from './config/index.js';
import { DoorController, type DoorEvent } from './door/index.js';
import { BarrierController } from './door/barrier.js';
import { barrierLogEvent, doorLogEvent } from './door/log-event.js';
import { AntiPassback } from './access/anti-passback.js';
import { PlateSnapshots } from './store/plate-snapshots.js';
import { VehicleGate } from './vehicle/gate.js';
import { FaceService, openFaceCamera, type FaceCredential } from './face/index.js';
import type { FleetAgent } from './fleet/index.js';
import { createTerminalAgent } from './fleet/terminal-agent.js';
import { mergeFleetConfig, storedFleetConfig } from './fleet/terminal-config.js';
import { child, silentLogger, type Logger } from './log.js';
import { serveGuardedHttp } from './page-server.js';
import { FaceSnapshots, openConfiguredStore, type Store, type StoredEvent } from './store/index.js';
import type { FaceEngine } from './vision/index.js';

export interface TerminalOptions {
  config: Config;
  /** Defaults to the board the config names. */
  board?: BoardDefinition;
  clock?: Clock;
  logger?: Logger;
  /** How long granted / denied stays on the screen before it returns to idle. Default 3000 ms. */
  feedbackMs?: number;
  /**
   * A face engine to share (several terminals in one process, a tool that already
   * loaded the models). The terminal does not close it. Default: the face service
   * creates its own from `config.face.modelSet` when face recognition is enabled.
   */
  faceEngine?: FaceEngine;
  /**
   * The file `config` was read from. With `config.fleet`, configuration the fleet
   * applies is written back to it (and always remembered in the store).
   */
  configPath?: string;
  /**
   * What the fleet's `reboot` command does (after its reply went out). Absent: the
   * terminal answers `reboot` with NOT_SUPPORTED.
   */
  reboot?: (reason: string | undefined) => void | Promise<void>;
}

export interface PresentOutcome {
  decision: AccessDecision;
  event: StoredEvent;
}

/**
 * One door terminal: the board's devices, the store, the access core and the door
 * controller, wired together. Credentials from the card reader (or `present`) are
 * decided by the access core; a grant drives the door; every decision and every
 * door event becomes one stored event; the display shows the outcome.
 */
export class Terminal {
  readonly board: OpenedBoard;
  readonly store: Store;
  readonly access: AccessService;
  readonly door: DoorController;
  /**
   * Face recognition, when `config.face.enabled`; null otherwise. It starts in the
   * background (models may be fetched first): see `face.status` and `face.whenReady()`.
   */
  readonly face: FaceService | null;
  /** Sealed face snapshots of alerts (strangers, spoofs, listed persons, tailgaters); null without a data key. */
  readonly snapshots: FaceSnapshots | null;
  /** The vehicle barrier, on boards with a barrierRelay (and its vehicleDetector); null otherwise. */
  readonly barrier: BarrierController | null;
  /** Plate reads → decisions → the barrier, on boards with a plateCamera and a barrier; null otherwise. */
  readonly vehicle: VehicleGate | null;
  /** Sealed plate camera snapshots of plate reads; null without a data key. */
  readonly plateSnapshots: PlateSnapshots | null;
  private fleetAgent: FleetAgent | null = null;
  private closeFleet: (() => Promise<void>) | null = null;
  private currentConfig: Config;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly feedbackMs: number;
  private readonly unsubscribes: Unsubscribe[] = [];
  private readonly displayListeners = new Listeners<DisplayState>();
  private idleTimer: TimerHandle | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly qrScanner: QrScanner | null = null;
  private readonly retention: RetentionPolicy;

  private constructor(
    options: Required<Pick<TerminalOptions, 'config' | 'clock' | 'logger'>> & {
      board: OpenedBoard;
      store: Store;
      feedbackMs: number;
      faceEngine?: FaceEngine;
      /** Sealed face snapshots of stranger / spoof events; null when templates are not sealed (no data key). */
      snapshots: FaceSnapshots | null;
      plateSnapshots?: PlateSnapshots | null;
    },
  ) {
    this.currentConfig = options.config;
    this.clock = options.clock;
    this.log = child(options.logger, 'terminal');
    this.board = options.board;
    this.store = options.store;
    this.snapshots = options.snapshots;
    this.feedbackMs = options.feedbackMs;
    this.plateSnapshots = options.plateSnapshots ?? null;
    const passes = this.createPasses();
    const antiPassback = this.createAntiPassback();
    this.access = new AccessService({
      store: this.store,
      timeZone: this.config.terminal.timeZone,
      clock: this.clock,
      logger: options.logger,
      plateMatch: this.config.vehicle.plateMatch,
      unknownPlate: this.config.vehicle.unknownPlate,
      ...(passes && { passes }),
      ...(antiPassback && { antiPassback }),
    });
    const { devices } = this.board;
    const doorOptions = {
      relay: devices.doorRelay,
      contact: devices.doorContact,
      exitButton: devices.exitButton,
      clock: this.clock,
      config: this.config.door,
      logger: options.logger,
      onEvent: (event: DoorEvent) => this.onDoorEvent(event),
      ...(devices.fireInput ? { fire: devices.fireInput } : {}),
      ...(devices.tamper ? { tamper: devices.tamper } : {}),
    };
    this.door = new DoorController(doorOptions);
    this.barrier =
      devices.barrierRelay && devices.vehicleDetector
        ? new BarrierController({
            relay: devices.barrierRelay,
            vehicleDetector: devices.vehicleDetector,
            ...(devices.fireInput ? { fire: devices.fireInput } : {}),
            clock: this.clock,
            config: this.config.barrier,
            logger: options.logger,
            onEvent: (event) => this.record(barrierLogEvent(event)),
          })
        : null;
    this.vehicle =
      this.barrier && devices.plateCamera
        ? new VehicleGate({
            reader: devices.plateCamera,
            barrier: this.barrier,
            access: this.access,
            clock: this.clock,
            terminalId: this.config.terminal.id,
            settings: () => this.config.vehicle,
            snapshots: this.plateSnapshots,
            record: (event) => this.record(event),
            onDecision: ({ decision }) => void this.showDecision(decision).catch(() => {}),
            logger: options.logger,
          })
        : null;
    if (devices.cardReader) {
      this.unsubscribes.push(devices.cardReader.onRead((read) => void this.onCardRead(read)));
      this.unsubscribes.push(devices.cardReader.onError((err) => this.onReaderError(err)));
      // Keypads that send keys one by one (OSDP, Wiegand): `#` enters the PIN typed so far.
      const pins = new PinEntry({ clock: this.clock, onPin: (pin) => void this.presentSafely({ type: 'pin', value: pin }) });
      this.unsubscribes.push(devices.cardReader.onKey((press) => pins.press(press.key)), () => pins.close());
    }
    this.face = this.config.face.enabled ? this.createFaceService(options.logger, options.faceEngine, options.snapshots) : null;
    if (this.face) {
      const { store, clock } = this;
      const log = child(options.logger, 'tailgating');
      this.unsubscribes.push(attachTailgating(this.face, { store, clock, unlockMs: () => this.config.door.unlockMs, ...(options.snapshots && { snapshots: options.snapshots }), log }));
    }
    if (passes && devices.camera) {
      this.qrScanner = new QrScanner({ camera: devices.camera, clock: this.clock, onCode: (value) => void this.presentSafely({ type: 'qr', value }) });
    }
    this.retention = new RetentionPolicy({
      store: this.store,
      clock: this.clock,
      strangerDays: this.config.retention.strangerDays,
      snapshotDays: this.config.retention.snapshotDays,
      logger: options.logger,
    });
  }

  /** Anti-passback in this terminal's zone, when enabled (terminal-local: see firmware/access/anti-passback.ts). */
  private createAntiPassback(): { state: AntiPassback; direction: 'in' | 'out' } | undefined {
    const { antiPassback, terminal } = this.config;
    const zone = antiPassback.zone ?? terminal.zones.at(-1);
    if (!antiPassback.enabled || !zone) return undefined;
    return { state: new AntiPassback({ store: this.store, zone, resetAfterMs: antiPassback.resetAfterMs }), direction: antiPassback.direction };
  }

  /** Visitor passes, when enabled: verified offline with the fleet's signing keys. */
  private createPasses(): VisitorPasses | undefined {
    const { passes, fleet, terminal } = this.config;
    if (!passes.enabled || !fleet?.trustedKeys) return undefined;
    return new VisitorPasses({ store: this.store, trustedKeys: loadFleetKeys(fleet.trustedKeys), terminalId: terminal.id, zones: terminal.zones });
  }

  /**
   * Opens the store, the board's devices and the door. Throws (before touching any
   * hardware) for an unknown board or a store that cannot be opened.
   */
  static async open(options: TerminalOptions): Promise<Terminal> {
    let { config } = options;
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger();
    const definition = options.board ?? loadBoard(config.board);
    // Templates sealed under the data key (plain ones found are sealed now), as the CLI opens it.
    const { store, dataKey } = openConfiguredStore(config, { clock, logger });
    let board: OpenedBoard | undefined;
    let terminal: Terminal | undefined;
    try {
      // Settings the fleet changed earlier stay in force across restarts (a config
      // file has them written back already).
      const remembered = config.fleet && !options.configPath ? storedFleetConfig(store) : null;
      if (remembered) {
        try {
          config = mergeFleetConfig(config, remembered.document);
        } catch (err) {
          child(logger, 'terminal').warn({ err, version: remembered.version }, 'remembered fleet config no longer fits this config; not applied');
        }
      }
      // Plate push drivers get the one guarded HTTP server of the project.
      board = openBoard(definition, { clock, logger, serveHttp: (o) => serveGuardedHttp({ ...o, logger: child(logger, 'plate-push') }) });
      terminal = new Terminal({
        config,
        clock,
        logger,
        board,
        store,
        feedbackMs: options.feedbackMs ?? 3_000,
        ...(options.faceEngine && { faceEngine: options.faceEngine }),
        snapshots: dataKey ? new FaceSnapshots(store, dataKey) : null,
        plateSnapshots: dataKey ? new PlateSnapshots(store, dataKey) : null,
      });
      await terminal.show({ mode: 'idle', title: terminal.idleTitle() });
      terminal.retention.start();
      if (terminal.qrScanner) {
        terminal.qrScanner.start();
        await terminal.board.devices.camera?.start();
      }
      // A push receiver binds its port here: a port in use fails the start (ListenError).
      await terminal.board.devices.plateCamera?.start();
      if (config.fleet) terminal.startFleet(options, logger);
      // In the background: cards and the door work while the models load (or fail to).
      void terminal.face?.start();
      return terminal;
    } catch (err) {
      if (terminal) await terminal.close();
      else {
        await board?.close();
        store.close();
      }
      throw err;
    }
  }

  /** The fleet agent, when `config.fleet` is set; null for an offline terminal. */
  get fleet(): FleetAgent | null {
    return this.fleetAgent;
  }

  /** The config in force (the fleet may change live settings: see firmware/fleet/terminal-config). */
  get config(): Config {
    return this.currentConfig;
  }

  /** Subscribes to every event this terminal stores (decisions, door events, reader errors). */
  /** Subscribes to what the terminal shows on its display, after each render. */
  onDisplay(handler: (state: DisplayState) => void): Unsubscribe {
    return this.displayListeners.add(handler);
  }

  onEvent(handler: (event: StoredEvent) => void): Unsubscribe {
    return this.store.events.onAppend(handler);
  }

  /**
   * Decides on a presented credential, logs it, unlocks on a grant and shows the
   * outcome. Invalid values (a card number with letters) are denials, not errors.
   */
  async present(credential: PresentedCredential): Promise<PresentOutcome> {
    if (this.closed) throw new Error('terminal is closed');
    const { decision, event } = this.access.present(credential, { terminalId: this.config.terminal.id });
    if (decision.result === 'granted') this.door.grant({ source: 'grant' });
    await this.showDecision(decision);
    return { decision, event };
  }

  /** Shows a decision's outcome (granted with the person's name, or why not). */
  private async showDecision(decision: AccessDecision): Promise<void> {
    const name = decision.personId ? this.access.repository.getPerson(decision.personId)?.name : undefined;
    await this.showFeedback(
      decision.result === 'granted'
        ? { mode: 'granted', title: name ?? 'Welcome', detail: 'Access granted' }
        : { mode: 'denied', title: 'Access denied', detail: describeReason(decision.reason), reason: decision.reason },
    );
  }

  /**
   * Shows what the person at the camera should do ("come closer"), unless granted /
   * denied feedback or a fire alarm is on the screen; null returns a shown prompt to idle.
   */
  prompt(message: string | null, reason?: string): void {
    if (this.closed || this.idleTimer !== null || this.door.state.fireActive) return;
    const current = this.board.devices.display.current;
    if (message === null) {
      if (current.mode === 'prompt') void this.show({ mode: 'idle', title: this.idleTitle() });
      return;
    }
    const title = message.charAt(0).toUpperCase() + message.slice(1);
    if (current.mode === 'prompt' && current.title === title) return;
    void this.show({ mode: 'prompt', title, ...(reason !== undefined && { reason }) });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // The agent first (it says goodbye to the fleet), then face: a decision in
    // progress still reaches the access core and the log.
    await this.closeFleet?.().catch((err: unknown) => this.log.warn({ err }, 'fleet agent did not stop cleanly'));
    await this.face?.close();
    this.qrScanner?.stop();
    this.retention.stop();
    this.closed = true;
    this.idleTimer?.cancel();
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.vehicle?.close();
    await this.barrier?.close();
    await this.door.close();
    await this.board.close();
    this.store.close();
  }

  private startFleet(options: TerminalOptions, logger: Logger): void {
    const { agent, close } = createTerminalAgent(this, {
      ...(options.configPath && { configPath: options.configPath }),
      ...(options.reboot && { reboot: options.reboot }),
      applyConfig: (next) => {
        const nameChanged = next.terminal.name !== this.currentConfig.terminal.name;
        this.door.reconfigure(next.door);
        this.barrier?.reconfigure(next.barrier);
        this.currentConfig = next;
        if (nameChanged && this.board.devices.display.current.mode === 'idle') void this.show({ mode: 'idle', title: this.idleTitle() });
      },
      logger,
    });
    this.fleetAgent = agent;
    this.closeFleet = close;
    agent.start();
  }

  private createFaceService(logger: Logger, engine: FaceEngine | undefined, snapshots: FaceSnapshots | null): FaceService {
    const { devices, definition } = this.board;
    const size = definition.roles.camera;
    return new FaceService({
      config: this.config.face,
      store: this.store,
      camera: () =>
        openFaceCamera({
          config: this.config.face.camera,
          ...(devices.camera && { boardCamera: devices.camera }),
          ...(size && { width: size.width, height: size.height }),
          clock: this.clock,
          logger,
        }),
      sink: {
        present: (credential: FaceCredential) => this.present(credential),
        prompt: (p) => this.prompt(p?.message ?? null, p?.reason),
      },
      ...(engine && { engine }),
      ...(snapshots && { snapshots }),
      ...(devices.irCamera && { ir: { camera: devices.irCamera, ...(devices.irLed && { led: devices.irLed }) } }),
      strangerTemplateKey: () => this.config.face.strangerTemplateKey,
      clock: this.clock,
      logger,
    });
  }

  private idleTitle(): string {
    return this.config.terminal.name ?? 'Present your card';
  }

  private onCardRead(read: CardRead): Promise<void> {
    const credential: PresentedCredential =
      read.format === 'keypad' ? { type: 'pin', value: read.value } : { type: 'card', value: read.value, format: read.format };
    return this.presentSafely(credential);
  }

  /** `present` for credentials from devices: a failure is logged and shown, never thrown. */
  private async presentSafely(credential: PresentedCredential): Promise<void> {
    try {
      await this.present(credential);
    } catch (err) {
      // A failed write means the decision was not logged: the door stays shut.
      this.log.error({ err }, 'credential could not be decided');
      await this.showFeedback({ mode: 'denied', title: 'Access denied', detail: 'Terminal error', reason: 'terminal-error' }).catch(() => {});
    }
  }

  private onReaderError(err: Error): void {
    this.log.warn({ err }, 'card reader error');
    this.record({ type: 'reader.bad-frame', reason: (err as { code?: string }).code ?? 'error', data: { message: err.message.slice(0, 200) } });
  }

  private onDoorEvent(event: DoorEvent): void {
    const { type } = event;
    this.record(doorLogEvent(event));
    if (type === 'fire.release') {
      // A vehicle gate's fire raises its barrier (the barrier's own fire input, same wire): that is what people there need to know.
      // From the board, not this.barrier: a fire already on at start reaches here before the barrier exists.
      const vehicleGate = this.board.devices.barrierRelay !== undefined && this.board.devices.vehicleDetector !== undefined;
      const [detail, reason] = vehicleGate
        ? ['Barrier up for emergency vehicles', 'fire-barrier-up']
        : event.doorReleased
          ? ['Door released', 'fire-release']
          : ['Door stays locked', 'fire-locked'];
      void this.show({ mode: 'alert', title: 'Fire alarm', detail, reason });
    }
    if (type === 'fire.cleared') void this.show({ mode: 'idle', title: this.idleTitle() });
  }

  private record(event: Parameters<Store['events']['append']>[0]): void {
    if (this.closed) return;
    try {
      this.store.events.append(event);
    } catch (err) {
      this.log.error({ err, type: event.type }, 'event could not be stored');
    }
  }

  private async showFeedback(state: DisplayState): Promise<void> {
    this.idleTimer?.cancel();
    await this.show(state);
    this.idleTimer = this.clock.setTimeout(() => {
      this.idleTimer = null;
      if (!this.door.state.fireActive) void this.show({ mode: 'idle', title: this.idleTitle() });
    }, this.feedbackMs);
  }

  private async show(state: DisplayState): Promise<void> {
    if (this.closed) return;
    try {
      await this.board.devices.display.render(state);
    } catch (err) {
      this.log.warn({ err }, 'display render failed');
      return;
    }
    this.displayListeners.emit(this.board.devices.display.current);
  }
}
