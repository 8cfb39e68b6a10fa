package com.example.patterns;

class Worker6Test extends AbstractWorker {}
